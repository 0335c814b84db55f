// The scenario file's `expect` key: the answer key of `rca bench`.

#include <gtest/gtest.h>

#include "sim/builtin_scenarios.h"
#include "sim/scenario.h"

namespace fw::sim {
namespace {

TEST(ExpectKeyTest, ParsesRootCauseAndChange) {
  auto s =
      ParseScenario("name: x\nexpect: {root_cause: db_pool_exhaustion, change: v2.5.0}\n", "x.yml");
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_TRUE(s->expect);
  EXPECT_EQ(s->expect->root_cause, "db_pool_exhaustion");
  EXPECT_EQ(s->expect->change, "v2.5.0");
}

TEST(ExpectKeyTest, IsOptionalAndChangeToo) {
  auto none = ParseScenario("name: x\n", "x.yml");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->expect);
  auto no_change = ParseScenario("name: x\nexpect: {root_cause: traffic_surge}\n", "x.yml");
  ASSERT_TRUE(no_change);
  EXPECT_EQ(no_change->expect->change, "");
}

TEST(ExpectKeyTest, ErrorsNameTheField) {
  auto missing = ParseScenario("name: x\nexpect: {change: v1}\n", "x.yml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().ToString().find("expect.root_cause"), std::string::npos)
      << missing.error().ToString();
  auto typo = ParseScenario("name: x\nexpect: {root_case: x}\n", "x.yml");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().ToString().find("expect.root_case"), std::string::npos)
      << typo.error().ToString();
}

TEST(ExpectKeyTest, EveryShippedIncidentHasAnAnswerKey) {
  for (const EmbeddedFile& f : BuiltinScenarioFiles()) {
    auto s = LoadBuiltinScenario(f.name);
    ASSERT_TRUE(s) << s.error().ToString();
    if (std::string(f.name) == "steady-state") {
      EXPECT_FALSE(s->expect);
    } else {
      EXPECT_TRUE(s->expect) << f.name;
    }
  }
}

}  // namespace
}  // namespace fw::sim
