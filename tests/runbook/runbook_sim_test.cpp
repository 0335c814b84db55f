// End to end: every failure scenario of the simulator, fixed by the shipped
// runbook for its true category. The simulator runs until the problem is
// plainly visible, then the runbook runs through the sim adapter, the
// simulator and the execution advancing together on simulated time, and the
// run must succeed with users' error rate back under 1%.
//
// Set FW_RUNBOOK_TRACE=1 to print each step and the error rate per minute,
// and FW_RUNBOOK_START=MIN to start the runbook at another minute (e.g. 40 to
// watch a scenario unattended).

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>

#include "runbook/execution.h"
#include "runbook/runbook.h"
#include "runbook/sim_adapter.h"
#include "sim/builtin_scenarios.h"
#include "sim/simulator.h"

namespace fw::runbook {
namespace {

struct Case {
  const char* scenario;
  const char* category;  // the scenario's ground truth
  int start_min;         // when the runbook starts (minutes after the scenario's start)
  const char* suspect;   // the suspect release, "" when none
  const char* previous;
  RunStatus expect = RunStatus::kSucceeded;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario; }

// start_min: about four minutes after the fault begins, when an alert has
// fired and a responder would act.
const Case kCases[] = {
    {"db-pool-exhaustion", "db_pool_exhaustion", 21, "v2.5.0", "v2.4.0"},
    {"memory-leak", "memory_leak", 17, "v3.1.0", "v3.0.2"},
    {"slow-queries", "slow_queries", 13, "", ""},
    {"bad-deploy", "bad_deployment", 13, "v2.6.0", "v2.5.3"},
    {"traffic-surge", "traffic_surge", 12, "", ""},
    {"instance-failure", "instance_failure", 10, "", ""},
    {"lock-contention", "lock_contention", 13, "", ""},
    {"dependency-timeout", "dependency_failure", 13, "", ""},
    {"cpu-saturation", "cpu_saturation", 13, "", ""},
    {"red-herring-deploy", "dependency_failure", 19, "", ""},
};

bool Tracing() { return std::getenv("FW_RUNBOOK_TRACE") != nullptr; }

class Trace final : public RunObserver {
 public:
  void OnStep(const RunRecord&, const StepRecord& s) override {
    if (!Tracing()) return;
    std::printf("    %-11s %-9s %-50s %s\n", s.phase.c_str(), StepStatusName(s.status),
                s.name.c_str(), s.message.c_str());
  }
};

// Users' error rate over the last `seconds` of the run.
double RecentErrorRate(const sim::Simulator& s, size_t seconds) {
  const auto& h = s.history();
  double req = 0, err = 0;
  for (size_t i = h.size() > seconds ? h.size() - seconds : 0; i < h.size(); ++i) {
    req += h[i].requests + h[i].maintenance;
    err += h[i].errors;
  }
  return req > 0 ? err / req : 0;
}

bool HasScenario(const std::string& name) {
  for (const auto& f : sim::BuiltinScenarioFiles()) {
    if (name == f.name) return true;
  }
  return false;
}

class ShippedRunbookTest : public ::testing::TestWithParam<Case> {};

TEST_P(ShippedRunbookTest, FixesItsScenario) {
  const Case& c = GetParam();
  if (!HasScenario(c.scenario)) GTEST_SKIP() << c.scenario << " is not a built-in scenario";
  auto sc = sim::LoadBuiltinScenario(c.scenario);
  ASSERT_TRUE(sc) << sc.error().ToString();
  std::string category = c.category;
  ASSERT_FALSE(category.empty()) << c.scenario << ": add its true category to the table";
  auto rb = LoadRunbookFile(std::string(FW_RUNBOOK_DIR) + "/" + category + ".yml");
  ASSERT_TRUE(rb) << rb.error().ToString();

  sim::Simulator simulator(std::move(*sc));
  SimMetrics metrics;
  simulator.set_sink(&metrics);
  const Timestamp start = simulator.now();
  int start_min = c.start_min;
  if (const char* o = std::getenv("FW_RUNBOOK_START")) start_min = std::atoi(o);
  while (simulator.now() < start + start_min * 60'000) {
    simulator.Step();
    if (Tracing() && (simulator.now() - start) % 60'000 == 0) {
      std::printf("  m%02lld error rate %.2f%% p95 %.0f ms (before)\n",
                  static_cast<long long>((simulator.now() - start) / 60'000),
                  100 * RecentErrorRate(simulator, 60), simulator.last().p95 * 1000);
    }
  }
  const double before = RecentErrorRate(simulator, 60);

  SimAdapter adapter(simulator);
  AutoApprover approver;
  Trace trace;
  ExecutionOptions opt;
  opt.vars = {{"incident.id", "INC-1"},
              {"hypothesis.category", category},
              {"labels.service", "shop"},
              {"suspect.version", c.suspect},
              {"suspect.previous_version", c.previous}};
  Execution run(*rb, "INC-1", adapter, metrics.queryable(), &approver, &trace, opt);
  if (Tracing())
    std::printf("  %s: error rate %.2f%% when the runbook starts\n", c.scenario, 100 * before);
  const Timestamp limit = simulator.now() + 45 * 60'000;
  while (!run.finished() && simulator.now() < limit) {
    run.Advance(simulator.now());
    simulator.Step();
    if (Tracing() && (simulator.now() - start) % 60'000 == 0) {
      std::printf("  m%02lld error rate %.2f%% p95 %.0f ms\n",
                  static_cast<long long>((simulator.now() - start) / 60'000),
                  100 * RecentErrorRate(simulator, 60), simulator.last().p95 * 1000);
    }
  }
  const RunRecord& rec = run.record();
  EXPECT_STREQ(RunStatusName(rec.status), RunStatusName(c.expect))
      << c.scenario << ": " << rec.message;
  EXPECT_LT(RecentErrorRate(simulator, 120), 0.01) << c.scenario;
  EXPECT_TRUE(rec.auto_approved || !rb->requires_approval);
}

TEST(SimAdapterTest, MapsActionsAndReadsWhatAnOperatorWould) {
  auto sc = sim::LoadBuiltinScenario("traffic-surge");  // group 4..16
  ASSERT_TRUE(sc);
  sim::Simulator simulator(std::move(*sc));
  SimAdapter adapter(simulator);
  auto dry = adapter.Run({"scale", {{"by", "2"}}}, true);
  ASSERT_TRUE(dry);
  EXPECT_TRUE(dry->ok);
  EXPECT_EQ(dry->command,
            (std::vector<std::string>{"POST", "/sim/actions", R"({"type":"scale","value":6.0})"}));
  EXPECT_EQ(simulator.Instances().size(), 4u);  // a dry run changes nothing
  auto capped = adapter.Run({"scale", {{"by", "40"}}}, false);
  ASSERT_TRUE(capped);
  EXPECT_TRUE(capped->ok);
  EXPECT_EQ(capped->output,
            "desired capacity 4 -> 16 (asked for 44, capped at the group's maximum 16)");
  EXPECT_GT(capped->effective_at, simulator.now());

  auto not_live = adapter.Run({"rollback", {{"version", "v9.9.9"}}}, false);
  ASSERT_TRUE(not_live);
  EXPECT_FALSE(not_live->ok);
  EXPECT_EQ(not_live->output, "release v9.9.9 is not live (running: v2.4.0); nothing to roll back");
  auto refused = adapter.Run({"rollback", {{"version", "v2.4.0"}}}, false);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok);  // the simulator: nothing older to roll back to
  EXPECT_NE(refused->output.find("nothing to roll back to"), std::string::npos);

  auto bad = adapter.Run({"kill_db_connections", {{"idle_seconds", "soon"}}}, false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "kill_db_connections: argument idle_seconds must be a number, got \"soon\"");
  EXPECT_FALSE(adapter.Run({"redeploy", {}}, false));
  auto unknown = adapter.Run({"restart_instance", {{"instance", "i-nope"}}}, false);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->ok);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedRunbookTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = info.param.scenario;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace fw::runbook
