#include "alerting/rule_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "locked_storage.h"
#include "metrics/promql/parser.h"

namespace fw::alerting {
namespace {

std::vector<RuleGroup> Groups(const std::string& yaml) {
  ParsedRules p = ParseRules(yaml, "r.yml");
  EXPECT_TRUE(p.errors.empty()) << p.errors.front().ToString();
  return p.groups;
}

TEST(RuleManagerTest, MetricNamesOfExpressions) {
  auto e = metrics::promql::ParseExpr(
      "sum(rate(a_total[1m])) / on() b + count({__name__=~\"c.*\"}) + on() {__name__=\"d\"}");
  ASSERT_TRUE(e);
  EXPECT_EQ(MetricNamesOf(**e), (std::set<std::string>{"*", "a_total", "b", "d"}));
}

TEST(RuleManagerTest, NewSamplesTriggerAnEarlyEvaluation) {
  RealClock clock;
  LockedStorage storage;
  std::atomic<int> firing{0};
  // A one-hour interval: only an early evaluation can see the sample in time.
  RuleManager m(Groups("groups:\n- name: g\n  interval: 1h\n  rules:\n  - alert: Down\n"
                       "    expr: up == 0\n  - alert: Other\n    expr: nothing_here > 0\n"),
                storage, clock,
                [&](const GroupResult& r) {
                  for (const AlertChange& c : r.changes) {
                    if (c.alert.state == AlertState::kFiring) ++firing;
                  }
                },
                {std::chrono::hours(1), std::chrono::milliseconds(10)});
  m.Start();
  const Timestamp t = clock.Now();
  storage.Add({{"__name__", "up"}, {"instance", "a"}}, {t, 0});
  m.NotifyAppended({"unrelated"});
  m.NotifyAppended({"up"});
  for (int i = 0; i < 200 && firing == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m.Stop();
  EXPECT_EQ(firing, 1) << "fired within 2 s of the sample, not after the 1 h interval";
  const auto status = m.Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_GE(status[0].early_evaluations, 1u);
  auto alerts = m.Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  ASSERT_EQ(alerts[0].alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alerts[0].labels.Get("instance"), "a");
}

// A scheduled evaluation just before the samples arrive must not hold the
// early one back: only early evaluations count against min_early_gap.
TEST(RuleManagerTest, AScheduledEvaluationDoesNotDelayTheEarlyOne) {
  RealClock clock;
  LockedStorage storage;
  std::atomic<int> firing{0};
  RuleManager m(Groups("groups:\n- name: g\n  interval: 1h\n  rules:\n  - alert: Down\n"
                       "    expr: up == 0\n"),
                storage, clock,
                [&](const GroupResult& r) {
                  for (const AlertChange& c : r.changes) {
                    if (c.alert.state == AlertState::kFiring) ++firing;
                  }
                },
                {std::chrono::hours(1), std::chrono::hours(1)});
  m.Start();
  m.EvalAllNow(clock.Now());  // as if the scheduled evaluation had just run
  storage.Add({{"__name__", "up"}, {"instance", "a"}}, {clock.Now(), 0});
  m.NotifyAppended({"up"});
  for (int i = 0; i < 200 && firing == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m.Stop();
  EXPECT_EQ(firing, 1) << "the early evaluation waited for the gap after a scheduled one";
}

TEST(RuleManagerTest, StopsPromptly) {
  RealClock clock;
  LockedStorage storage;
  RuleManager m(Groups("groups:\n- name: g\n  interval: 1h\n  rules:\n  - record: x\n"
                       "    expr: vector(1)\n"),
                storage, clock, nullptr, {});
  m.Start();
  const auto begin = std::chrono::steady_clock::now();
  m.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
}

}  // namespace
}  // namespace fw::alerting

namespace fw::alerting {
namespace {

// A rule whose query would run for hours is cut off by the rule time limit
// (rule health err, "timed out"), and the rule after it in the group and
// the next group are still evaluated (issue #14).
TEST(RuleManagerTest, ASlowRuleTimesOutAndTheOthersStillRun) {
  RealClock clock;
  LockedStorage storage;
  std::vector<RuleGroup> groups = Groups(
      "groups:\n- name: slow\n  interval: 1h\n  rules:\n"
      "  - alert: Slow\n    expr: max_over_time(vector(1)[3650d:1ms]) > 0\n"
      "  - alert: After\n    expr: vector(1) > 0\n"
      "- name: other\n  interval: 1h\n  rules:\n  - alert: Other\n    expr: vector(1) > 0\n");
  std::atomic<int> firing{0};
  RuleManager::Options o{std::chrono::hours(1), std::chrono::milliseconds(10)};
  o.query_timeout = std::chrono::milliseconds(200);
  RuleManager m(
      std::move(groups), storage, clock,
      [&](const GroupResult& r) {
        for (const AlertChange& c : r.changes) firing += c.alert.state != AlertState::kInactive;
      },
      o);
  const auto begin = std::chrono::steady_clock::now();
  m.EvalAllNow(clock.Now());
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(took, std::chrono::seconds(5)) << "the slow rule was not cut off";
  const auto status = m.Status();
  ASSERT_EQ(status.size(), 2u);
  ASSERT_EQ(status[0].rules.size(), 2u);
  EXPECT_NE(status[0].rules[0].error.find("timed out"), std::string::npos)
      << status[0].rules[0].error;
  EXPECT_EQ(status[0].rules[1].error, "");
  EXPECT_EQ(status[1].rules[0].error, "");
  EXPECT_EQ(firing, 2) << "After and Other became active";
}

}  // namespace
}  // namespace fw::alerting
