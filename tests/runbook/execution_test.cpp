// The execution state machine on a fake clock: verification `for` and
// `timeout`, approval gates, `when` conditions, failure policies (revert,
// escalate, continue), query captures and dry runs.

#include "runbook/execution.h"

#include <gtest/gtest.h>

#include "alerting/memory_rule_storage.h"
#include "runbook/runbook.h"

namespace fw::runbook {
namespace {

constexpr Timestamp kT0 = 1'768'485'600'000;  // 2026-01-15T14:00:00Z

// Records calls; refuses actions whose `fail` argument is "yes".
class FakeAdapter final : public ActionAdapter {
 public:
  std::string name() const override { return "fake"; }
  Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) override {
    std::string line = call.action;
    for (const auto& [k, v] : call.args) line += " " + k + "=" + v;
    calls.push_back((dry_run ? "dry " : "") + line);
    ActionOutcome out;
    out.command = {call.action};
    out.ok = !call.args.count("fail") || call.args.at("fail") != "yes";
    out.output = out.ok ? "done" : "refused";
    return out;
  }
  std::vector<std::string> calls;
};

class ScriptedApprover final : public Approver {
 public:
  ApprovalState Check(const std::string&, const std::string& gate) override {
    gates.push_back(gate);
    return answer;
  }
  ApprovalState answer = ApprovalState::kPending;
  std::vector<std::string> gates;
};

class Collect final : public RunObserver {
 public:
  void OnStep(const RunRecord&, const StepRecord& s) override {
    events.push_back(s.name + ":" + StepStatusName(s.status));
  }
  std::vector<std::string> events;
};

Runbook Load(const std::string& yaml) {
  auto rb = ParseRunbook(yaml, "test.yml");
  EXPECT_TRUE(rb) << rb.error().ToString();
  return rb.value_or(Runbook{});
}

// g{} = values[i] at kT0 + i * 15 s.
void Gauge(alerting::MemoryRuleStorage& s, const std::vector<double>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    s.Add(LabelSet{{"__name__", "g"}}, {kT0 + static_cast<Timestamp>(i) * 15'000, values[i]});
  }
}

// Advances every 5 s until finished or `until`; returns when it finished.
Timestamp Drive(Execution& e, Timestamp until) {
  for (Timestamp t = kT0; t <= until; t += 5'000) {
    e.Advance(t);
    if (e.finished()) return t;
  }
  return -1;
}

struct VerifyCase {
  const char* name;
  std::vector<double> values;  // every 15 s; the condition is g < 1
  RunStatus want;
  Timestamp finished_after_ms;
};

TEST(ExecutionTest, VerifyMustHoldForTheWholeDurationWithinTheTimeout) {
  const Runbook rb = Load("name: v\nsteps:\n  - verify: g < 1\n    for: 1m\n    timeout: 3m\n");
  const VerifyCase cases[] = {
      {"holds from the start", {0, 0, 0, 0, 0, 0}, RunStatus::kSucceeded, 60'000},
      {"a blip restarts the clock", {0, 0, 5, 0, 0, 0, 0, 0, 0}, RunStatus::kSucceeded, 105'000},
      {"never holds", std::vector<double>(20, 5), RunStatus::kFailed, 180'000},
      {"holds too late",
       {5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0},
       RunStatus::kFailed,
       180'000},
  };
  for (const VerifyCase& c : cases) {
    alerting::MemoryRuleStorage metrics;
    Gauge(metrics, c.values);
    FakeAdapter adapter;
    Execution e(rb, "INC-1", adapter, metrics, nullptr, nullptr, {});
    const Timestamp done = Drive(e, kT0 + 10 * 60'000);
    EXPECT_EQ(e.record().status, c.want) << c.name;
    EXPECT_EQ(done - kT0, c.finished_after_ms) << c.name;
    EXPECT_EQ(e.record().steps[0].verification, "g < 1");
  }
}

TEST(ExecutionTest, LateCallsCatchUpOnTheVerificationSchedule) {
  const Runbook rb = Load("name: v\nsteps:\n  - verify: g < 1\n    for: 30s\n    timeout: 2m\n");
  alerting::MemoryRuleStorage metrics;
  Gauge(metrics, {0, 0, 0, 0, 0, 0, 0, 0, 0});
  FakeAdapter adapter;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
  e.Advance(kT0);
  ASSERT_FALSE(e.finished());
  EXPECT_EQ(e.NextWake(), kT0 + 15'000);
  e.Advance(kT0 + 10 * 60'000);  // one late call sees the whole schedule
  EXPECT_EQ(e.record().status, RunStatus::kSucceeded);
  EXPECT_NE(e.record().steps[0].message.find("held for 30s"), std::string::npos);
}

TEST(ExecutionTest, WaitStepsHoldTheRunUntilTheirTime) {
  const Runbook rb = Load("name: w\nsteps:\n  - wait: 2m\n  - action: maintenance_off\n");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
  e.Advance(kT0);
  EXPECT_EQ(e.NextWake(), kT0 + 120'000);
  e.Advance(kT0 + 119'999);
  EXPECT_TRUE(adapter.calls.empty());
  e.Advance(kT0 + 120'000);
  EXPECT_EQ(adapter.calls, std::vector<std::string>{"maintenance_off"});
  EXPECT_EQ(e.record().status, RunStatus::kSucceeded);
  EXPECT_FALSE(e.NextWake());
}

TEST(ExecutionTest, ApprovalGates) {
  const Runbook rb = Load(
      "name: a\napproval: {required: true, timeout: 5m}\nsteps:\n  - action: maintenance_on\n");
  alerting::MemoryRuleStorage metrics;
  {  // pending, then granted by a person
    FakeAdapter adapter;
    ScriptedApprover approver;
    Execution e(rb, "INC-9", adapter, metrics, &approver, nullptr, {});
    EXPECT_EQ(e.Advance(kT0), RunStatus::kWaitingApproval);
    EXPECT_EQ(e.NextWake(), kT0 + 10'000);
    EXPECT_TRUE(adapter.calls.empty());
    approver.answer = ApprovalState::kGranted;
    EXPECT_EQ(e.Advance(kT0 + 60'000), RunStatus::kSucceeded);
    EXPECT_EQ(approver.gates.front(), "approval to run a");
    EXPECT_FALSE(e.record().auto_approved);
    EXPECT_EQ(adapter.calls.size(), 1u);
  }
  {  // nobody answers: the gate times out and the run stops before acting
    FakeAdapter adapter;
    ScriptedApprover approver;
    Execution e(rb, "INC-9", adapter, metrics, &approver, nullptr, {});
    e.Advance(kT0);
    EXPECT_EQ(e.Advance(kT0 + 299'999), RunStatus::kWaitingApproval);
    EXPECT_EQ(e.Advance(kT0 + 300'000), RunStatus::kFailed);
    EXPECT_TRUE(adapter.calls.empty());
    EXPECT_NE(e.record().steps[0].message.find("no answer within 5m"), std::string::npos);
  }
  {  // no approver at all: denied
    FakeAdapter adapter;
    Execution e(rb, "INC-9", adapter, metrics, nullptr, nullptr, {});
    EXPECT_EQ(e.Advance(kT0), RunStatus::kFailed);
    EXPECT_TRUE(adapter.calls.empty());
  }
  {  // automatic approval is recorded as such
    FakeAdapter adapter;
    AutoApprover approver;
    Execution e(rb, "INC-9", adapter, metrics, &approver, nullptr, {});
    EXPECT_EQ(e.Advance(kT0), RunStatus::kSucceeded);
    EXPECT_TRUE(e.record().auto_approved);
  }
}

TEST(ExecutionTest, DeniedApproveStepEscalatesWhenAsked) {
  const Runbook rb = Load(
      "name: a\nsteps:\n  - approve: go?\n    on_failure: escalate\n  - action: maintenance_on\n");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  ScriptedApprover approver;
  approver.answer = ApprovalState::kDenied;
  Execution e(rb, "", adapter, metrics, &approver, nullptr, {});
  EXPECT_EQ(e.Advance(kT0), RunStatus::kEscalated);
  EXPECT_TRUE(adapter.calls.empty());
}

const char* kRevertBook = R"(name: r
steps:
  - name: first
    action: feature_flag_off
    args: {flag: a}
    revert: {action: feature_flag_on, args: {flag: a}}
  - name: second
    action: set_pool_size
    args: {size: "80"}
    revert: {action: set_pool_size, args: {size: "40"}}
  - name: no revert
    action: maintenance_on
  - name: breaks
    action: scale
    args: {to: "9", fail: "yes"}
    on_failure: revert
  - name: never
    action: maintenance_off
)";

TEST(ExecutionTest, RevertUndoesCompletedActionsNewestFirst) {
  const Runbook rb = Load(kRevertBook);
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  Collect seen;
  Execution e(rb, "", adapter, metrics, nullptr, &seen, {});
  EXPECT_EQ(e.Advance(kT0), RunStatus::kFailed);
  EXPECT_EQ(adapter.calls,
            (std::vector<std::string>{"feature_flag_off flag=a", "set_pool_size size=80",
                                      "maintenance_on", "scale fail=yes to=9",
                                      "set_pool_size size=40", "feature_flag_on flag=a"}));
  const auto& s = e.record().steps;
  EXPECT_EQ(s[0].status, StepStatus::kReverted);
  EXPECT_EQ(s[1].status, StepStatus::kReverted);
  EXPECT_EQ(s[2].status, StepStatus::kSucceeded);
  EXPECT_EQ(s[3].status, StepStatus::kFailed);
  EXPECT_EQ(s[4].status, StepStatus::kPending);
  EXPECT_EQ(e.record().message, "step \"breaks\" failed; reverted");
  EXPECT_EQ(seen.events.back(), "first:reverted");
}

TEST(ExecutionTest, FailurePolicies) {
  struct Case {
    const char* policy;
    RunStatus want;
    size_t calls;
  } cases[] = {{"stop", RunStatus::kFailed, 1},
               {"escalate", RunStatus::kEscalated, 1},
               {"continue", RunStatus::kSucceeded, 2}};
  for (const Case& c : cases) {
    const Runbook rb = Load(std::string("name: p\nsteps:\n  - action: scale\n    args: {to: \"3\", "
                                        "fail: \"yes\"}\n    on_failure: ") +
                            c.policy + "\n  - action: maintenance_off\n");
    alerting::MemoryRuleStorage metrics;
    FakeAdapter adapter;
    Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
    EXPECT_EQ(e.Advance(kT0), c.want) << c.policy;
    EXPECT_EQ(adapter.calls.size(), c.calls) << c.policy;
  }
}

TEST(ExecutionTest, WhenConditionsSkipSteps) {
  const Runbook rb = Load(R"(name: w
steps:
  - name: rollback
    when: {set: suspect.version}
    action: rollback
    args: {version: "{{ .suspect.version }}"}
  - name: no suspect
    when: {unset: suspect.version}
    notify: nothing to roll back
  - name: only when g is high
    when: {promql: g > 10}
    action: maintenance_on
)");
  alerting::MemoryRuleStorage metrics;
  Gauge(metrics, {1});
  FakeAdapter adapter;
  ExecutionOptions opt;
  opt.vars["suspect.version"] = "v2";
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, opt);
  EXPECT_EQ(e.Advance(kT0), RunStatus::kSucceeded);
  EXPECT_EQ(adapter.calls, std::vector<std::string>{"rollback version=v2"});
  EXPECT_EQ(e.record().steps[1].status, StepStatus::kSkipped);
  EXPECT_EQ(e.record().steps[1].message, "skipped: .suspect.version is set (v2)");
  EXPECT_EQ(e.record().steps[2].status, StepStatus::kSkipped);
}

TEST(ExecutionTest, UnsetVariableFailsTheStepClearly) {
  const Runbook rb = Load(
      "name: u\nsteps:\n  - action: rollback\n    args: {version: \"{{ .suspect.version }}\"}\n");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
  EXPECT_EQ(e.Advance(kT0), RunStatus::kFailed);
  EXPECT_TRUE(adapter.calls.empty());
  EXPECT_NE(e.record().steps[0].message.find("variable .suspect.version has no value"),
            std::string::npos);
}

TEST(ExecutionTest, QueryCapturesLabelsAndValues) {
  const Runbook rb = Load(R"(name: q
steps:
  - query: down == 0
    capture: {bad: instance}
  - query: count(down)
    capture: {n: $value}
  - action: terminate_instance
    args: {instance: "{{ .bad }}", of: "{{ .n }}"}
)");
  alerting::MemoryRuleStorage metrics;
  for (const char* i : {"i-b", "i-a", "i-c"}) {
    metrics.Add(LabelSet{{"__name__", "down"}, {"instance", i}},
                {kT0, std::string(i) == "i-a" ? 1.0 : 0.0});
  }
  FakeAdapter adapter;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
  EXPECT_EQ(e.Advance(kT0), RunStatus::kSucceeded);
  EXPECT_EQ(adapter.calls, std::vector<std::string>{"terminate_instance instance=i-b of=3"});
  EXPECT_EQ(e.record().steps[0].output, "bad=i-b (first of 2 results)");
}

TEST(ExecutionTest, EmptyQueryResultFailsTheStep) {
  const Runbook rb = Load("name: q\nsteps:\n  - query: down == 0\n    capture: {bad: instance}\n");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, {});
  EXPECT_EQ(e.Advance(kT0), RunStatus::kFailed);
  EXPECT_NE(e.record().steps[0].message.find("returned nothing"), std::string::npos);
}

TEST(ExecutionTest, DryRunPlansEveryStepWithoutWaitingOrActing) {
  const Runbook rb = Load(R"(name: d
approval: {required: true}
steps:
  - query: down == 0
    capture: {bad: instance}
  - action: restart_instance
    args: {instance: "{{ .bad }}"}
  - wait: 10m
  - verify: g < 1
    for: 5m
    timeout: 20m
)");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  ExecutionOptions opt;
  opt.dry_run = true;
  Execution e(rb, "", adapter, metrics, nullptr, nullptr, opt);
  EXPECT_EQ(e.Advance(kT0), RunStatus::kSucceeded);
  EXPECT_TRUE(e.record().dry_run);
  EXPECT_EQ(adapter.calls, std::vector<std::string>{"dry restart_instance instance=<bad>"});
  EXPECT_EQ(e.record().steps[4].message, "dry run: would verify g < 1 holds for 5m within 20m");
  for (const StepRecord& s : e.record().steps) EXPECT_EQ(s.status, StepStatus::kSucceeded);
}

TEST(ExecutionTest, ObserverSeesEachStepStartAndEnd) {
  const Runbook rb =
      Load("name: o\nsteps:\n  - name: a\n    wait: 1m\n  - name: b\n    notify: hi\n");
  alerting::MemoryRuleStorage metrics;
  FakeAdapter adapter;
  Collect seen;
  Execution e(rb, "", adapter, metrics, nullptr, &seen, {});
  e.Advance(kT0);
  e.Advance(kT0 + 60'000);
  EXPECT_EQ(seen.events,
            (std::vector<std::string>{"a:running", "a:succeeded", "b:running", "b:succeeded"}));
  EXPECT_EQ(e.record().started, kT0);
  EXPECT_EQ(e.record().finished, kT0 + 60'000);
  EXPECT_STREQ(RunStatusName(e.record().status), "succeeded");
}

}  // namespace
}  // namespace fw::runbook
