#pragma once
// Runs promqltest scripts (test_script.h) against the engine, the way
// Prometheus's promqltest does: loads series into a MemoryStorage, evaluates
// each `eval`, and compares with the expected series (values within a
// relative 1e-6, NaN equal to NaN; native histograms field by field with
// the same tolerance), failures, strings and annotations. `load_with_nhcb`
// also loads classic histograms converted to custom-bucket ones (nhcb.h).

#include <string>
#include <vector>

#include "metrics/promql/engine.h"
#include "metrics/promql/test_script.h"

namespace fw::metrics::promql {

struct EvalOutcome {
  std::string file;
  int line = 0;
  std::string query;
  std::string problem;  // why it failed: expected vs got
};

struct TestRunSummary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;  // ignored evals and notation the runner lacks (@st)
  std::vector<EvalOutcome> failures;
};

// Loads each script's series into `storage` (cleared at every `clear`).
TestRunSummary RunTestScript(const TestScript& script, LoadableStorage& storage,
                             const EngineOptions& options = {});
// The same with a fresh MemoryStorage.
TestRunSummary RunTestScript(const TestScript& script, const EngineOptions& options = {});

}  // namespace fw::metrics::promql
