#include "sim/scenario.h"

#include <gtest/gtest.h>

#include "sim/builtin_scenarios.h"

namespace fw::sim {
namespace {

Error ParseError(const std::string& yaml) {
  auto s = ParseScenario(yaml, "bad.yml");
  EXPECT_FALSE(s.has_value()) << yaml;
  return s ? Error(ErrorCode::kInternal, "parsed") : s.error();
}

TEST(ScenarioTest, EveryBuiltinScenarioParses) {
  ASSERT_GE(BuiltinScenarioFiles().size(), 9u);
  for (const EmbeddedFile& f : BuiltinScenarioFiles()) {
    auto s = ParseScenario(f.content, f.name);
    ASSERT_TRUE(s.has_value()) << f.name << ": " << s.error().ToString();
    EXPECT_EQ(s->name, f.name) << "a scenario's name matches its file name";
    EXPECT_FALSE(s->description.empty()) << f.name;
  }
}

TEST(ScenarioTest, ReadsEveryPart) {
  auto s = ParseScenario(R"(name: x
description: d
seed: 9
start: 2026-02-01T00:00:00Z
duration: 1h
step: 2s
scrape_interval: 30s
environment:
  version: v9
  group: {desired: 3, min: 1, max: 5, boot_time: 2m, target_cpu: 0.5}
  pool: {size: 12, acquire_timeout: 5s}
traffic:
  rps: 50
  mix: {"GET /": 1, "POST /checkout": 1}
events:
  - at: 20m
    action: {type: scale, value: 4}
  - at: 5m
    deploy: {version: v10, faults: [{type: slow_query, route: /product, magnitude: 10}]}
)",
                         "x.yml");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->seed, 9u);
  EXPECT_EQ(s->start, 1769904000000);
  EXPECT_EQ(s->duration.count(), 3'600'000);
  EXPECT_EQ(s->step.count(), 2000);
  EXPECT_EQ(s->env.group.max, 5);
  EXPECT_EQ(s->env.pool.size, 12);
  EXPECT_DOUBLE_EQ(s->traffic.mix.home, 0.5);
  EXPECT_DOUBLE_EQ(s->traffic.mix.product, 0);
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_TRUE(s->events[0].deploy.has_value()) << "events are sorted by time";
  EXPECT_EQ(s->events[0].deploy->faults[0].route, "/product");
  EXPECT_EQ(s->events[1].action->type, ActionType::kScale);
}

TEST(ScenarioTest, ErrorsNameTheFieldAndLine) {
  struct Case {
    const char* yaml;
    const char* field;
    int line;
  } cases[] = {
      {"name: x\nenvironment:\n  group: {desired: -3}\n", "environment.group.desired", 3},
      {"name: x\nevents:\n  - at: 1m\n    fault: {type: meteor_strike}\n", "events[0].fault.type",
       4},
      {"name: x\nduration: 10m\nevents:\n  - at: 20m\n    fault: {type: cpu_hog, magnitude: 1}\n",
       "events[0].at", 4},
      {"name: x\ntraffic:\n  rsp: 100\n", "traffic.rsp", 3},
      {"name: x\npool: {size: 3}\n", "pool", 2},
      {"name: x\nenvironment:\n  pool: {size: ten}\n", "environment.pool.size", 3},
      {"name: x\nduration: 5 minutes\n", "duration", 2},
      {"name: x\nevents:\n  - at: 1m\n    fault: {type: connection_leak, magnitude: 3}\n",
       "events[0].fault.magnitude", 4},
      {"name: x\nenvironment:\n  group: {min: 5, max: 2}\n", "environment.group", 3},
      {"description: no name\n", "name", 1},
  };
  for (const Case& c : cases) {
    const Error e = ParseError(c.yaml);
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << c.yaml;
    EXPECT_NE(e.message().find(c.field), std::string::npos) << e.ToString();
    EXPECT_EQ(e.where().file, "bad.yml");
    EXPECT_EQ(e.where().line, c.line) << e.ToString();
  }
}

TEST(ScenarioTest, MalformedYamlGivesPosition) {
  const Error e = ParseError("name: x\nenvironment: {group: [\n");
  EXPECT_NE(e.message().find("malformed YAML"), std::string::npos) << e.ToString();
  EXPECT_GT(e.where().line, 0);
  EXPECT_EQ(ParseError("- just\n- a list\n").message(), "a scenario must be a YAML mapping");
}

TEST(ScenarioTest, UnknownBuiltinListsKnownNames) {
  auto s = LoadBuiltinScenario("no-such-outage");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.error().message().find("db-pool-exhaustion"), std::string::npos);
}

}  // namespace
}  // namespace fw::sim
