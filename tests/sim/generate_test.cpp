// The scenario generator: every draw is a valid scenario file whose
// `expect:` names its class, the same seed draws the same text, consecutive
// seeds cycle through the classes, and decoy releases never replace the
// release that carries the fault.

#include "sim/generate.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace fw::sim {
namespace {

TEST(Generate, SameSeedSameScenario) {
  auto a = GenerateScenario(4242);
  auto b = GenerateScenario(4242);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->yaml, b->yaml);
  auto c = GenerateScenario(4243);
  ASSERT_TRUE(c);
  EXPECT_NE(a->yaml, c->yaml);
}

TEST(Generate, EveryDrawParsesAndNamesItsClass) {
  std::map<std::string, int> classes;
  std::set<std::string> variants;
  for (uint64_t seed = 1; seed <= 270; ++seed) {
    auto g = GenerateScenario(seed);
    ASSERT_TRUE(g) << "seed " << seed << ": " << g.error().ToString();
    ASSERT_TRUE(g->scenario.expect) << g->yaml;
    EXPECT_EQ(g->scenario.expect->root_cause, g->fault_class);
    EXPECT_EQ(g->scenario.seed, seed);
    EXPECT_FALSE(g->scenario.events.empty()) << g->yaml;
    ++classes[g->fault_class];
    variants.insert(g->variant);
    // The reparsed text is the scenario: a saved file replays the case.
    auto again = ParseScenario(g->yaml, "again");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->events.size(), g->scenario.events.size());
  }
  EXPECT_EQ(classes.size(), 9u);
  for (const auto& [name, n] : classes) EXPECT_EQ(n, 30) << name;
  EXPECT_EQ(variants, (std::set<std::string>{"deploy", "flag", "standalone"}));
}

TEST(Generate, TheCulpritReleaseIsTheLastBeforeTheFault) {
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    auto g = GenerateScenario(seed);
    ASSERT_TRUE(g);
    const Scenario& sc = g->scenario;
    const std::string& blamed = sc.expect->change;
    if (g->variant != "deploy") continue;
    ASSERT_FALSE(blamed.empty()) << g->yaml;
    bool seen = false;
    for (const TimelineEvent& e : sc.events) {
      if (!e.deploy) continue;
      if (seen) ADD_FAILURE() << "a release after the culprit replaces it:\n" << g->yaml;
      if (e.deploy->version == blamed) {
        seen = true;
        EXPECT_FALSE(e.deploy->faults.empty()) << g->yaml;
      } else {
        EXPECT_TRUE(e.deploy->faults.empty()) << "a decoy release carries a fault:\n" << g->yaml;
      }
    }
    EXPECT_TRUE(seen) << g->yaml;
  }
}

TEST(Generate, FlagCulpritsShipDarkAndFlipLater) {
  int flags = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    auto g = GenerateScenario(seed);
    ASSERT_TRUE(g);
    if (g->variant != "flag") continue;
    ++flags;
    const std::string flag =
        g->scenario.expect->change.substr(0, g->scenario.expect->change.find(' '));
    Millis off{-1}, on{-1};
    for (const TimelineEvent& e : g->scenario.events) {
      if (!e.action || e.action->target != flag) continue;
      if (e.action->type == ActionType::kFeatureFlagOff) off = e.at;
      if (e.action->type == ActionType::kFeatureFlagOn) on = e.at;
    }
    EXPECT_EQ(off.count(), 0) << g->yaml;
    EXPECT_GT(on.count(), 0) << g->yaml;
  }
  EXPECT_GT(flags, 10);
}

TEST(Generate, OneClassOnRequest) {
  for (uint64_t seed = 10; seed < 20; ++seed) {
    auto g = GenerateScenario(seed, "lock_contention");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->scenario.expect->root_cause, "lock_contention");
  }
  auto bad = GenerateScenario(1, "gremlins");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("memory_leak"), std::string::npos)
      << "the error lists the known classes";
}

}  // namespace
}  // namespace fw::sim
