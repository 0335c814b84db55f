#include "rca/sim/bench.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "rca/sim/incident_run.h"
#include "sim/builtin_scenarios.h"
#include "sim/generate.h"

namespace fw::rca {
namespace {

// Scores one analysis of `run` as it stands.
Result<BenchCase> Score(IncidentRun& run, const BenchCase& base, int64_t delay_ms, Clock& clock) {
  BenchCase c = base;
  c.delay_ms = delay_ms;
  c.incident = run.onset() != 0;
  if (!c.incident) return c;
  c.first_alert = run.first_alert();
  c.onset_offset_ms = run.onset() - run.start();
  c.early = c.onset_offset_ms < c.failure_offset_ms;
  if (c.early) return c;
  const Timestamp t0 = clock.Now();
  auto a = Analyze(run.Sources(), run.Window());
  c.analysis_ms = clock.Now() - t0;
  if (!a) return Fail(a.error());
  for (const Hypothesis& h : a->hypotheses) c.ranking.push_back(h.category);
  for (size_t i = 0; i < c.ranking.size(); ++i) {
    if (c.ranking[i] == c.expected) {
      c.rank = static_cast<int>(i) + 1;
      break;
    }
  }
  if (!a->hypotheses.empty()) c.top_confidence = a->hypotheses[0].confidence;
  if (!a->hypotheses.empty() && a->hypotheses[0].suspect_change) {
    c.blamed_change = a->hypotheses[0].suspect_change->version;
  }
  c.change_ok = c.blamed_change == c.expected_change;
  c.decisive = a->decisive;
  return c;
}

// Runs `sc` once and scores it at every delay, earliest first.
Result<void> RunScenario(const sim::Scenario& sc, const std::string& variant,
                         int64_t failure_offset_ms, const BenchOptions& options, Clock& clock,
                         const std::function<void(const BenchCase&)>& progress,
                         std::vector<BenchCase>& out) {
  BenchCase base;
  base.scenario = sc.name;
  base.variant = variant;
  base.failure_offset_ms = failure_offset_ms;
  base.seed = sc.seed;
  if (sc.expect) {
    base.expected = sc.expect->root_cause;
    base.expected_change = sc.expect->change;
  }
  std::vector<int64_t> delays = options.delays_ms;
  std::sort(delays.begin(), delays.end());
  auto run = IncidentRun::Start(sc, {.delay_ms = delays.front()});
  if (!run) return Fail(run.error());
  for (int64_t delay : delays) {
    (*run)->RunUntilDelay(delay);
    auto c = Score(**run, base, delay, clock);
    if (!c) return Fail(c.error());
    if (progress) progress(*c);
    out.push_back(std::move(*c));
  }
  return {};
}

struct Tally {
  int n = 0, at1 = 0, at3 = 0, change = 0, decisive = 0, decisive_at1 = 0;
  int64_t ms = 0, max_ms = 0;
  void Add(const BenchCase& c) {
    ++n;
    at1 += c.rank == 1;
    at3 += c.rank >= 1 && c.rank <= 3;
    change += c.change_ok;
    decisive += c.decisive;
    decisive_at1 += c.decisive && c.rank == 1;
    ms += c.analysis_ms;
    max_ms = std::max(max_ms, c.analysis_ms);
  }
};

std::string Row(const std::string& name, const Tally& t) {
  char buf[200];
  const double n = t.n ? t.n : 1;
  const double sure = t.decisive ? t.decisive : 1;
  std::snprintf(buf, sizeof buf, "%-22s %5d %7.2f %7.2f %8.2f %8.2f %8.2f %8.0f %6lld\n",
                name.c_str(), t.n, t.at1 / n, t.at3 / n, t.change / n, t.decisive / n,
                t.decisive_at1 / sure, static_cast<double>(t.ms) / n,
                static_cast<long long>(t.max_ms));
  return buf;
}

}  // namespace

Result<std::vector<BenchCase>> RunBench(const BenchOptions& options, Clock& clock,
                                        const std::function<void(const BenchCase&)>& progress) {
  if (options.seeds < 1) return Fail(ErrorCode::kInvalidArgument, "--seeds must be at least 1");
  if (options.random < 0) return Fail(ErrorCode::kInvalidArgument, "--random must be >= 0");
  if (options.delays_ms.empty()) return Fail(ErrorCode::kInvalidArgument, "no delay to analyse at");
  std::vector<BenchCase> out;
  if (options.random > 0) {
    for (int k = 0; k < options.random; ++k) {
      const uint64_t seed = options.random_seed + static_cast<uint64_t>(k);
      auto g = sim::GenerateScenario(seed, options.fault_class);
      if (!g) return Fail(g.error());
      Result<void> st = RunScenario(g->scenario, g->variant, g->failure_at.count(), options, clock,
                                     progress, out);
      if (!st)
        return Fail(st.error().WithContext("generated scenario of seed " + std::to_string(seed)));
    }
    return out;
  }
  std::vector<std::string> names;
  if (!options.scenario.empty()) {
    names.push_back(options.scenario);
  } else {
    for (const sim::EmbeddedFile& f : sim::BuiltinScenarioFiles()) names.push_back(f.name);
  }
  for (const std::string& name : names) {
    auto sc = sim::LoadBuiltinScenario(name);
    if (!sc) return Fail(sc.error());
    const uint64_t seed0 = sc->seed;
    for (int k = 0; k < options.seeds; ++k) {
      sc->seed = seed0 + static_cast<uint64_t>(k);
      Result<void> st = RunScenario(*sc, "", 0, options, clock, progress, out);
      if (!st) return Fail(st.error().WithContext("scenario " + name));
    }
  }
  return out;
}

std::string FormatBenchTable(const std::vector<BenchCase>& cases) {
  std::map<int64_t, std::vector<const BenchCase*>> by_delay;
  for (const BenchCase& c : cases) by_delay[c.delay_ms].push_back(&c);
  std::string out;
  for (const auto& [delay, list] : by_delay) {
    std::map<std::string, Tally> per;
    Tally all;
    std::map<std::string, int> quiet, early;
    std::string alarms;
    for (const BenchCase* c : list) {
      if (!c->incident) {
        ++quiet[c->variant.empty() ? c->scenario : "generated " + c->expected];
        continue;
      }
      if (c->early) {
        ++early[c->expected];
        continue;
      }
      if (c->expected.empty()) {
        // An alert in a scenario that expects none: the rule pack's false
        // alarm. Not scored, but shown with what the analysis made of it.
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "%s seed %llu: false alarm %s at +%llds; top hypothesis %s (%.2f)\n",
                      c->scenario.c_str(), static_cast<unsigned long long>(c->seed),
                      c->first_alert.c_str(), static_cast<long long>(c->onset_offset_ms / 1000),
                      c->ranking.empty() ? "-" : c->ranking[0].c_str(), c->top_confidence);
        alarms += buf;
        continue;
      }
      per[c->expected].Add(*c);
      all.Add(*c);
    }
    out += "analysis at onset + " + std::to_string(delay / 1000) + " s\n";
    out +=
        "category                   runs    AC@1    AC@3   change  decisive  AC@1|dec  "
        "ms/case  max ms\n";
    for (const auto& [cat, t] : per) out += Row(cat, t);
    out += Row("overall", all);
    for (const auto& [name, n] : quiet) {
      out += name + ": no incident (" + std::to_string(n) + " runs, no alert fired)\n";
    }
    for (const auto& [name, n] : early) {
      out += "generated " + name + ": alert before the failure began (" + std::to_string(n) +
             " runs, not scored)\n";
    }
    out += alarms;
    out += "\n";
  }
  return out;
}

}  // namespace fw::rca
