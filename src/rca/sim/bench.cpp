#include "rca/sim/bench.h"

#include <cstdio>
#include <map>

#include "rca/sim/incident_run.h"
#include "sim/builtin_scenarios.h"

namespace fw::rca {
namespace {

Result<BenchCase> RunCase(const sim::Scenario& sc, int64_t delay_ms, Clock& clock) {
  BenchCase c;
  c.scenario = sc.name;
  c.seed = sc.seed;
  c.delay_ms = delay_ms;
  if (sc.expect) {
    c.expected = sc.expect->root_cause;
    c.expected_change = sc.expect->change;
  }
  auto run = IncidentRun::Start(sc, {.delay_ms = delay_ms});
  if (!run) return Fail(run.error());
  c.incident = (*run)->onset() != 0;
  if (!c.incident) return c;
  c.first_alert = (*run)->first_alert();
  c.onset_offset_ms = (*run)->onset() - (*run)->start();
  const Timestamp t0 = clock.Now();
  auto a = Analyze((*run)->Sources(), (*run)->Window());
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
  return c;
}

struct Tally {
  int n = 0, at1 = 0, at3 = 0, change = 0;
  int64_t ms = 0;
  void Add(const BenchCase& c) {
    ++n;
    at1 += c.rank == 1;
    at3 += c.rank >= 1 && c.rank <= 3;
    change += c.change_ok;
    ms += c.analysis_ms;
  }
};

std::string Row(const std::string& name, const Tally& t) {
  char buf[160];
  const double n = t.n ? t.n : 1;
  std::snprintf(buf, sizeof buf, "%-22s %5d %7.2f %7.2f %8.2f %9.0f\n", name.c_str(), t.n,
                t.at1 / n, t.at3 / n, t.change / n, static_cast<double>(t.ms) / n);
  return buf;
}

}  // namespace

Result<std::vector<BenchCase>> RunBench(const BenchOptions& options, Clock& clock,
                                        const std::function<void(const BenchCase&)>& progress) {
  if (options.seeds < 1) return Fail(ErrorCode::kInvalidArgument, "--seeds must be at least 1");
  std::vector<std::string> names;
  if (!options.scenario.empty()) {
    names.push_back(options.scenario);
  } else {
    for (const sim::EmbeddedFile& f : sim::BuiltinScenarioFiles()) names.push_back(f.name);
  }
  std::vector<BenchCase> out;
  for (const std::string& name : names) {
    auto sc = sim::LoadBuiltinScenario(name);
    if (!sc) return Fail(sc.error());
    const uint64_t seed0 = sc->seed;
    for (int k = 0; k < options.seeds; ++k) {
      sc->seed = seed0 + static_cast<uint64_t>(k);
      for (int64_t delay : options.delays_ms) {
        auto c = RunCase(*sc, delay, clock);
        if (!c) return Fail(c.error().WithContext("scenario " + name));
        if (progress) progress(*c);
        out.push_back(std::move(*c));
      }
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
    std::map<std::string, int> quiet;
    std::string alarms;
    for (const BenchCase* c : list) {
      if (!c->incident) {
        ++quiet[c->scenario];
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
    out += "category                   runs    AC@1    AC@3   change  ms/case\n";
    for (const auto& [cat, t] : per) out += Row(cat, t);
    out += Row("overall", all);
    for (const auto& [name, n] : quiet) {
      out += name + ": no incident (" + std::to_string(n) + " runs, no alert fired)\n";
    }
    out += alarms;
    out += "\n";
  }
  return out;
}

}  // namespace fw::rca
