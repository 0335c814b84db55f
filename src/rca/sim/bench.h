#pragma once
// `firewatch rca bench`: every built-in scenario over several seeds, each
// run to its onset (the first alert of the shipped rule pack) plus a delay,
// analysed, and scored against the scenario's `expect` key. AC@k is the
// share of incidents whose true root cause is among the top k hypotheses;
// "change" is the share whose top hypothesis blames exactly the expected
// change (or none when none is expected). Scenarios without an alert (the
// steady state) are reported as "no incident" and left out of AC.
//
// With `random` > 0 the cases are generated scenarios (sim::GenerateScenario)
// of seeds random_seed .. random_seed + random - 1 instead: failures nobody
// tuned the catalog on. Each scenario runs once and is analysed at every
// delay in increasing order.

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::rca {

struct BenchOptions {
  int seeds = 3;                         // seeds per scenario: its own seed, +1, +2, ...
  std::string scenario;                  // "" = every built-in scenario
  std::vector<int64_t> delays_ms = {0};  // analyse at onset + each delay
  int random = 0;                        // generated scenarios instead of built-in ones
  uint64_t random_seed = 1;              // the first generated scenario's seed
  std::string fault_class;               // generate only this class ("" = every class)
};

struct BenchCase {
  std::string scenario;
  std::string variant;  // generated: how the failure was placed (deploy, flag, standalone)
  uint64_t seed = 0;
  int64_t delay_ms = 0;
  bool incident = false;  // an alert fired
  // Generated: an alert fired before the failure began (the drawn
  // environment alerted on its own). Not scored; counted apart.
  bool early = false;
  int64_t failure_offset_ms = 0;  // generated: when the failure began
  std::string first_alert;
  int64_t onset_offset_ms = 0;  // onset - scenario start
  std::string expected, expected_change;
  std::vector<std::string> ranking;  // categories, best first
  std::string blamed_change;         // top hypothesis's suspect version
  double top_confidence = 0;
  bool decisive = false;  // the analysis said it could tell (Analysis::decisive)
  int rank = 0;           // of the expected category, 1-based; 0 = missing
  bool change_ok = false;
  int64_t analysis_ms = 0;
};

// Runs the bench; `progress` (may be empty) hears about each finished case.
// `clock` times the analyses.
Result<std::vector<BenchCase>> RunBench(const BenchOptions& options, Clock& clock,
                                        const std::function<void(const BenchCase&)>& progress);

// The per-category table with AC@1, AC@3, the change column, the share of
// decisive analyses and AC@1 among them, then overall.
std::string FormatBenchTable(const std::vector<BenchCase>& cases);

}  // namespace fw::rca
