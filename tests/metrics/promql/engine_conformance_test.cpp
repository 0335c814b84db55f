// Runs Prometheus's own PromQL test scripts (the core files of
// ../shared/conformance/promql) through the engine. The floor below only
// ever rises: it is the share measured when it was last raised. The goal
// (issue #4) is 95%; most of the gap is native histograms.

#include <gtest/gtest.h>

#include <iostream>

#include "metrics/promql/head_storage.h"
#include "metrics/promql/test_runner.h"

namespace fw::metrics::promql {
namespace {

constexpr double kFloor = 0.75;

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
    passed += r.passed;
    failed += r.failed;
  }
  const double rate = static_cast<double>(passed) / (passed + failed);
  std::cout << "core: " << passed << " passed, " << failed << " failed (" << rate * 100 << "%)\n";
  EXPECT_GE(rate, kFloor);
}

// The same scripts with the data in the TSDB head rather than in memory
// lists: the store and the engine agree sample for sample.
TEST(EngineConformanceTest, TheHeadServesTheEngineIdentically) {
  for (const char* f : {"functions", "operators", "aggregators", "staleness", "selectors"}) {
    auto script = ReadTestScript(std::string(FW_PROMQL_CONFORMANCE_DIR) + "/" + f + ".test");
    ASSERT_TRUE(script);
    HeadStorage head;
    const TestRunSummary in_head = RunTestScript(*script, head);
    const TestRunSummary in_memory = RunTestScript(*script);
    EXPECT_EQ(in_head.passed, in_memory.passed) << f;
    EXPECT_EQ(in_head.failed, in_memory.failed) << f;
  }
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
