// `firewatch rca ...`: root-cause analysis of simulated incidents.
//   rca analyze --scenario NAME [--seed N] [--delay D] [--json]   one incident, explained
//   rca bench [--seeds N] [--scenario NAME] [--delay D]... [--json]   AC@1 / AC@3 per category
//   rca bench --random N [--seed S] [--class C]   the same on generated scenarios

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/sim_common.h"
#include "common/duration.h"
#include "rca/sim/bench.h"
#include "rca/sim/incident_run.h"
#include "report/records_json.h"

namespace fw::cli {
namespace {

const char* KindName(rca::EvidenceKind k) {
  switch (k) {
    case rca::EvidenceKind::kMetricAnomaly:
      return "metric";
    case rca::EvidenceKind::kLogPattern:
      return "log";
    case rca::EvidenceKind::kChange:
      return "change";
    case rca::EvidenceKind::kDatabase:
      return "database";
    case rca::EvidenceKind::kHost:
      return "host";
  }
  return "?";
}

void PrintAnalysis(const rca::Analysis& a, const rca::IncidentRun& run) {
  std::printf("onset %s (+%s, %s), evidence read up to +%s\n\n",
              FormatRfc3339Millis(a.window.onset).c_str(),
              FormatDuration(Millis(a.window.onset - run.start())).c_str(),
              run.first_alert().c_str(),
              FormatDuration(Millis(a.window.now - run.start())).c_str());
  int rank = 0;
  for (const rca::Hypothesis& h : a.hypotheses) {
    std::printf("%d. %-20s %.2f  runbook %s\n   %s\n", ++rank, h.category.c_str(), h.confidence,
                h.runbook.c_str(), h.explanation.c_str());
    if (h.suspect_change) {
      std::printf("   suspect change: %s %s (previous %s) by %s, score %.2f: %s\n",
                  h.suspect_change->service.c_str(), h.suspect_change->version.c_str(),
                  h.suspect_change->previous_version.c_str(), h.suspect_change->who.c_str(),
                  h.suspect_change->score, h.suspect_change->reason.c_str());
    }
    for (const std::string& id : h.evidence) {
      if (const rca::Evidence* e = a.FindEvidence(id)) std::printf("   - %s\n", e->title.c_str());
    }
    for (const std::string& check : h.checks) std::printf("   ? %s\n", check.c_str());
  }
  std::printf("\nevidence (%zu items):\n", a.evidence.size());
  for (const rca::Evidence& e : a.evidence) {
    std::printf("  [%s] %s\n      %s\n      %s: %s\n", KindName(e.kind), e.title.c_str(),
                e.detail.c_str(), e.language.empty() ? "query" : e.language.c_str(),
                e.query.c_str());
  }
  std::printf("\nwhich signal moved first:\n");
  for (const std::string& id : a.timeline) {
    const rca::Evidence* e = a.FindEvidence(id);
    std::printf("  %s  %s\n", FormatRfc3339Millis(e->first_moved).c_str(), e->title.c_str());
  }
  for (const std::string& g : a.gaps) std::printf("gap: %s\n", g.c_str());
  std::printf("\n%s\n", a.decisive ? "verdict: decisive (a responder may act on the top hypothesis)"
                                   : ("verdict: undecided, page a human: " + a.undecided).c_str());
}

void PrintJson(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Result<int64_t> ParseDelay(const std::string& text) {
  auto d = ParseDuration(text);
  if (!d) return Fail(d.error().WithContext("--delay"));
  return d->count();
}

void Analyze(const ScenarioFlags& flags, const std::string& delay, bool json, ExitStatus& status) {
  auto sc = ResolveScenario(flags);
  if (!sc) return ReportError(sc.error(), status);
  auto d = ParseDelay(delay);
  if (!d) return ReportError(d.error(), status);
  auto run = rca::IncidentRun::Start(*sc, {.delay_ms = *d});
  if (!run) return ReportError(run.error(), status);
  if (!(*run)->onset()) {
    if (json) return PrintJson({{"scenario", sc->name}, {"incident", false}});
    std::printf("no incident: no alert of the shipped rule pack fired in %s\n",
                FormatDuration(sc->duration).c_str());
    return;
  }
  auto a = rca::Analyze((*run)->Sources(), (*run)->Window());
  if (!a) return ReportError(a.error(), status);
  if (json) {
    nlohmann::json j = {{"scenario", sc->name},
                        {"seed", sc->seed},
                        {"incident", true},
                        {"first_alert", (*run)->first_alert()},
                        {"onset_offset_ms", (*run)->onset() - (*run)->start()},
                        {"analysis", report::AnalysisToJson(*a)}};
    if (sc->expect) {
      j["expect"] = {{"root_cause", sc->expect->root_cause}, {"change", sc->expect->change}};
    }
    return PrintJson(j);
  }
  PrintAnalysis(*a, **run);
}

nlohmann::json BenchJson(const std::vector<rca::BenchCase>& cases) {
  nlohmann::json out = nlohmann::json::array();
  for (const rca::BenchCase& c : cases) {
    out.push_back({{"scenario", c.scenario},
                   {"variant", c.variant},
                   {"seed", c.seed},
                   {"delay_ms", c.delay_ms},
                   {"incident", c.incident},
                   {"early", c.early},
                   {"failure_offset_ms", c.failure_offset_ms},
                   {"first_alert", c.first_alert},
                   {"onset_offset_ms", c.onset_offset_ms},
                   {"expected", c.expected},
                   {"expected_change", c.expected_change},
                   {"ranking", c.ranking},
                   {"blamed_change", c.blamed_change},
                   {"top_confidence", c.top_confidence},
                   {"decisive", c.decisive},
                   {"rank", c.rank},
                   {"change_ok", c.change_ok},
                   {"analysis_ms", c.analysis_ms}});
  }
  return out;
}

struct BenchFlags {
  int seeds = 3, random = 0;
  uint64_t seed = 1;
  std::string scenario, fault_class;
  std::vector<std::string> delays;
  bool verbose = false, json = false;
};

void Bench(const BenchFlags& f, ExitStatus& status) {
  rca::BenchOptions o;
  o.seeds = f.seeds;
  o.scenario = f.scenario;
  o.random = f.random;
  o.random_seed = f.seed;
  o.fault_class = f.fault_class;
  if (o.random > 0 && !o.scenario.empty()) {
    return ReportError(Error(ErrorCode::kInvalidArgument,
                             "--random generates its scenarios: it cannot be given --scenario"),
                       status);
  }
  const std::vector<std::string>& delays = f.delays;
  const bool verbose = f.verbose;
  o.delays_ms.clear();
  for (const std::string& text : delays) {
    auto d = ParseDelay(text);
    if (!d) return ReportError(d.error(), status);
    o.delays_ms.push_back(*d);
  }
  if (o.delays_ms.empty()) o.delays_ms.push_back(0);
  RealClock clock;
  auto cases = rca::RunBench(o, clock, [&](const rca::BenchCase& c) {
    if (!verbose) return;
    std::fprintf(stderr, "%-20s %-10s seed %-4llu +%-4llds %s", c.scenario.c_str(),
                 c.variant.c_str(), static_cast<unsigned long long>(c.seed),
                 static_cast<long long>(c.delay_ms / 1000), c.incident ? "" : "no incident\n");
    if (!c.incident) return;
    if (c.early) {
      std::fprintf(stderr, "onset +%llds %s before the failure began (not scored)\n",
                   static_cast<long long>(c.onset_offset_ms / 1000), c.first_alert.c_str());
      return;
    }
    std::fprintf(stderr, "onset +%llds %-24s want %s %s | top: %s %s %s | blamed %s | rank %d%s\n",
                 static_cast<long long>(c.onset_offset_ms / 1000), c.first_alert.c_str(),
                 c.expected.c_str(), c.expected_change.empty() ? "-" : c.expected_change.c_str(),
                 c.ranking.size() > 0 ? c.ranking[0].c_str() : "",
                 c.ranking.size() > 1 ? c.ranking[1].c_str() : "",
                 c.ranking.size() > 2 ? c.ranking[2].c_str() : "",
                 c.blamed_change.empty() ? "-" : c.blamed_change.c_str(), c.rank,
                 c.decisive ? "" : " (undecided)");
  });
  if (!cases) return ReportError(cases.error(), status);
  if (f.json) return PrintJson(BenchJson(*cases));
  std::fputs(rca::FormatBenchTable(*cases).c_str(), stdout);
}

struct RemoteFlags {
  std::string incident, server = "http://127.0.0.1:9400", token;
  bool json = false;
};

// `rca --incident ID`: the server analyses its own stores now, records the
// analysis on the incident's timeline and answers with it.
void AnalyzeIncident(const RemoteFlags& f, ExitStatus& status) {
  ApiClient api(f.server, f.token);
  auto body = api.Post("/api/v1/incidents/" + f.incident + "/analysis", nlohmann::json::object());
  if (!body) return ReportError(body.error(), status);
  const nlohmann::json& a = (*body)["data"];
  if (f.json) {
    std::cout << a.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  auto analysis = report::AnalysisFromJson(a);
  if (!analysis) return ReportError(analysis.error(), status);
  std::cout << "root-cause analysis of " << f.incident << " (recorded on its timeline)\n";
  for (const rca::Hypothesis& h : analysis->hypotheses) {
    if (h.confidence < 0.01) continue;
    std::printf("\n%3.0f%%  %s", h.confidence * 100, h.category.c_str());
    if (h.suspect_change) {
      std::printf("  suspect: %s %s (from %s)", h.suspect_change->service.c_str(),
                  h.suspect_change->version.c_str(), h.suspect_change->previous_version.c_str());
    }
    if (!h.runbook.empty()) std::printf("  runbook: %s", h.runbook.c_str());
    std::printf("\n      %s\n", h.explanation.c_str());
    for (const std::string& id : h.evidence) {
      if (const rca::Evidence* e = analysis->FindEvidence(id)) {
        std::printf("      - %s\n", e->title.c_str());
        if (!e->query.empty())
          std::printf("        %s: %s\n", e->language.c_str(), e->query.c_str());
      }
    }
  }
  for (const std::string& gap : analysis->gaps) std::cout << "\nnot analysed: " << gap << "\n";
}

}  // namespace

void RegisterRca(CLI::App& app, ExitStatus& status) {
  auto* rca = app.add_subcommand(
      "rca", "Root-cause analysis of an incident on a server (--incident), or on the simulator");
  rca->require_subcommand(0, 1);
  static RemoteFlags remote;
  rca->add_option("--incident", remote.incident, "Analyse this incident on the server, now");
  rca->add_option("--server", remote.server, "The firewatch server")
      ->capture_default_str()
      ->envname("FIREWATCH_SERVER");
  rca->add_option("--token", remote.token, "Bearer token (default: FIREWATCH_TOKEN)");
  rca->add_flag("--json", remote.json, "Print the analysis as JSON");
  rca->callback([rca, &status] {
    if (!rca->get_subcommands().empty()) return;
    if (remote.incident.empty()) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "give --incident ID (analysis on a server), or a subcommand: "
                               "analyze, bench (see firewatch rca --help)"),
                         status);
    }
    AnalyzeIncident(remote, status);
  });

  auto* analyze = rca->add_subcommand(
      "analyze", "Run a scenario to its first alert (plus --delay) and print the analysis");
  static ScenarioFlags flags;
  static std::string delay = "0s";
  static bool analyze_json = false;
  AddScenarioFlags(analyze, flags);
  analyze->add_option("--delay", delay, "Analyse this long after the onset, e.g. 2m")
      ->capture_default_str();
  analyze->add_flag("--json", analyze_json, "Print the analysis as JSON");
  analyze->callback([&status] { Analyze(flags, delay, analyze_json, status); });

  auto* bench = rca->add_subcommand(
      "bench",
      "Score the analysis over several seeds of every built-in scenario, or on generated "
      "ones (--random): AC@1, AC@3, blamed change");
  static BenchFlags bf;
  bench->add_option("--seeds", bf.seeds, "Seeds per built-in scenario (its own seed, +1, +2, ...)")
      ->capture_default_str();
  bench->add_option("--scenario", bf.scenario, "Only this built-in scenario");
  bench->add_option("--random", bf.random,
                    "Score this many generated scenarios instead (see `firewatch sim generate`)");
  bench->add_option("--seed", bf.seed, "With --random: the first generated scenario's seed")
      ->capture_default_str();
  bench->add_option("--class", bf.fault_class, "With --random: generate only this failure class");
  bench->add_option("--delay", bf.delays,
                    "Analyse at onset + this delay; repeat for several (default: 0s)");
  bench->add_flag("--verbose,-v", bf.verbose, "Print each case on stderr as it finishes");
  bench->add_flag("--json", bf.json, "Print every case as JSON instead of the table");
  bench->callback([&status] { Bench(bf, status); });
}

}  // namespace fw::cli
