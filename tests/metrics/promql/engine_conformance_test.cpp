// Runs Prometheus's own PromQL test scripts (the core files of
// ../shared/conformance/promql) through the engine. The floor below only
// ever rises: it is the share measured when it was last raised. The goal
// (issue #4) was 95%; with native histograms every core eval passes.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <set>

#include "metrics/promql/head_storage.h"
#include "metrics/promql/nhcb.h"
#include "metrics/promql/test_runner.h"

namespace fw::metrics::promql {
namespace {

constexpr double kFloor = 1.00;

TEST(EngineConformanceTest, CoreFilesPassAtLeastTheFloor) {
  int passed = 0, failed = 0;
  for (const char* f :
       {"aggregators", "functions", "histograms", "literals", "operators", "selectors", "staleness",
        "range_queries", "limit", "name_label_dropping"}) {
    auto script = ReadTestScript(std::string(FW_PROMQL_CONFORMANCE_DIR) + "/" + f + ".test");
    ASSERT_TRUE(script) << script.error().ToString();
    const TestRunSummary r = RunTestScript(*script);
    std::cout << f << ".test: " << r.passed << " passed, " << r.failed << " failed, " << r.skipped
              << " skipped\n";
    if (std::getenv("FW_PROMQL_VERBOSE")) {  // lists what still fails
      for (const EvalOutcome& o : r.failures)
        std::cout << "  " << o.file << ":" << o.line << ": " << o.query << ": " << o.problem
                  << "\n";
    }
    passed += r.passed;
    failed += r.failed;
  }
  const double rate = static_cast<double>(passed) / (passed + failed);
  std::cout << "core: " << passed << " passed, " << failed << " failed (" << rate * 100 << "%)\n";
  EXPECT_GE(rate, kFloor);
}

// Scripts with the data in the TSDB head rather than in memory lists: the
// store and the engine agree sample for sample. The head holds floats only,
// so the comparison uses files without native histograms.
TEST(EngineConformanceTest, TheHeadServesTheEngineIdentically) {
  for (const char* f : {"staleness", "selectors", "literals", "name_label_dropping"}) {
    auto script = ReadTestScript(std::string(FW_PROMQL_CONFORMANCE_DIR) + "/" + f + ".test");
    ASSERT_TRUE(script);
    HeadStorage head;
    const TestRunSummary in_head = RunTestScript(*script, head);
    const TestRunSummary in_memory = RunTestScript(*script);
    EXPECT_EQ(in_head.passed, in_memory.passed) << f;
    EXPECT_EQ(in_head.failed, in_memory.failed) << f;
  }
}

// The head refuses series with native histogram samples, each one as a load
// failure, and still serves the float series of the same script.
TEST(EngineConformanceTest, TheHeadRefusesNativeHistogramSeries) {
  auto script = ReadTestScript(std::string(FW_PROMQL_CONFORMANCE_DIR) + "/operators.test");
  ASSERT_TRUE(script);
  std::set<std::pair<int, std::string>> with_histograms;  // per load: series labels
  int load_index = 0;
  for (const Command& c : script->commands) {
    const auto* load = std::get_if<LoadCommand>(&c);
    if (!load) continue;
    ++load_index;
    for (const LoadedSeries& s : load->series) {
      if (!s.histograms.empty()) with_histograms.insert({load_index, s.labels.ToString()});
    }
    if (!load->with_nhcb) continue;
    for (const LoadedSeries& s : ConvertClassicHistograms(load->series))
      with_histograms.insert({load_index, s.labels.ToString()});
  }
  HeadStorage head;
  const TestRunSummary r = RunTestScript(*script, head);
  int load_failures = 0;
  for (const EvalOutcome& o : r.failures) load_failures += o.query == "load";
  EXPECT_GT(load_failures, 0);
  EXPECT_EQ(static_cast<size_t>(load_failures), with_histograms.size());
  EXPECT_GT(r.passed, 100);
}

// Files that need nothing beyond classic PromQL pass entirely.
TEST(EngineConformanceTest, ClassicOnlyFilesPassCompletely) {
  for (const char* f :
       {"literals", "selectors", "staleness", "range_queries", "name_label_dropping"}) {
    auto script = ReadTestScript(std::string(FW_PROMQL_CONFORMANCE_DIR) + "/" + f + ".test");
    ASSERT_TRUE(script);
    const TestRunSummary r = RunTestScript(*script);
    for (const EvalOutcome& o : r.failures)
      ADD_FAILURE() << o.file << ":" << o.line << ": " << o.query << ": " << o.problem;
  }
}

}  // namespace
}  // namespace fw::metrics::promql
