// The random bench on a small sample: generated scenarios of seeds the
// catalog was never tuned on (tuning used 1-999; BENCHMARKS.md reports
// 100000 on), analysed at onset and two minutes later. The full run is a
// benchmark (`firewatch rca bench --random 450 --seed 100000`); this keeps
// the generator, the bench and the analysis honest in every `make test`.

#include <gtest/gtest.h>

#include "common/clock.h"
#include "rca/analysis.h"
#include "rca/sim/bench.h"

namespace fw::rca {
namespace {

TEST(RandomBench, SmallSampleOfUnseenFailures) {
  BenchOptions o;
  o.random = 36;  // four of each class
  o.random_seed = 200000;
  o.delays_ms = {0, 120'000};
  RealClock clock;
  auto cases = RunBench(o, clock, {});
  ASSERT_TRUE(cases) << cases.error().ToString();
  ASSERT_EQ(cases->size(), 72u);
  int scored = 0, at1 = 0, change = 0;
  for (const BenchCase& c : *cases) {
    EXPECT_FALSE(c.expected.empty()) << c.scenario;
    if (!c.incident || c.early) continue;
    ++scored;
    at1 += c.rank == 1;
    change += c.change_ok;
    // Release build figures are ~20-40 ms; sanitizers are not run here (slow).
    EXPECT_LT(c.analysis_ms, 1000) << c.scenario;
    EXPECT_EQ(c.ranking.size(), std::size(kCategories));
  }
  ASSERT_GE(scored, 50) << "most draws raise an alert";
  // Loose floors for a sample this small; the bench measures the real figure.
  EXPECT_GE(at1, scored * 85 / 100) << at1 << " of " << scored;
  EXPECT_GE(change, scored * 80 / 100) << change << " of " << scored;
  const std::string table = FormatBenchTable(*cases);
  EXPECT_NE(table.find("analysis at onset + 120 s"), std::string::npos) << table;
  EXPECT_NE(table.find("decisive"), std::string::npos) << table;
}

TEST(RandomBench, OneClassOnly) {
  BenchOptions o;
  o.random = 3;
  o.random_seed = 300000;
  o.fault_class = "memory_leak";
  RealClock clock;
  auto cases = RunBench(o, clock, {});
  ASSERT_TRUE(cases) << cases.error().ToString();
  for (const BenchCase& c : *cases) EXPECT_EQ(c.expected, "memory_leak");
  o.fault_class = "gremlins";
  EXPECT_FALSE(RunBench(o, clock, {}));
}

}  // namespace
}  // namespace fw::rca
