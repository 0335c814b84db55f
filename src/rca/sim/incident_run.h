#pragma once
// Runs a scenario the way production would be watched: the simulator's
// metrics go into an in-memory store, its log lines become log events and
// its change lines a change log, and the shipped golden-signals rule pack
// (embedded in the binary) is evaluated every 15 s as data arrives. The run
// stops `delay` after the first alert fires (the onset), or at the end of
// the scenario when none does. Then Sources() hands analysis exactly what an
// operator would have: no simulator internals.
//
//   auto run = IncidentRun::Start(scenario, {.delay_ms = 0});
//   if (run->onset()) auto a = Analyze(run->Sources(), run->Window());

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "rca/analysis.h"
#include "sim/scenario.h"

namespace fw::rca {

// The shipped config/rules/golden-signals.yml, compiled in.
const char* GoldenSignalsRules();

struct IncidentRunOptions {
  int64_t delay_ms = 0;  // keep running this long after the onset
};

class IncidentRun {
 public:
  static Result<std::unique_ptr<IncidentRun>> Start(const sim::Scenario& scenario,
                                                    const IncidentRunOptions& options);
  ~IncidentRun();

  Timestamp start() const;
  Timestamp onset() const;                 // 0: no alert fired
  const std::string& first_alert() const;  // the rule that fired first
  Timestamp now() const;                   // where the run stopped

  // Runs on to `delay_ms` after the onset (no earlier than now, no later than
  // the scenario's end), so one run can be analysed at several delays.
  void RunUntilDelay(int64_t delay_ms);

  // The analysis window: onset (or now, when none fired) to now.
  AnalysisWindow Window() const;
  // Valid while this run lives.
  EvidenceSources Sources();

  struct State;

 private:
  explicit IncidentRun(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace fw::rca
