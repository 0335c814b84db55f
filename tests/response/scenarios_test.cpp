// Every built-in scenario, end to end in simulated time: the shipped rule
// pack detects it, analysis names the scenario's true root cause (and the
// change to blame, or none), the shipped runbook resolves it, and users see
// healthy service again. Ground truth comes from each scenario's `expect`
// key, read here only to score; the responder never sees it.

#include <gtest/gtest.h>

#include "../incident/temp_dir.h"
#include "logs/store/log_store.h"
#include "pipeline/pipeline.h"
#include "pipeline/sim_driver.h"
#include "pipeline/sim_run.h"
#include "response/responder.h"
#include "sim/builtin_scenarios.h"
#include "sim/summary.h"

namespace fw::response {
namespace {

struct Outcome {
  std::vector<std::unique_ptr<ResponseCase>> cases;  // moved out of the responder
  double error_rate_at_end = 0;                      // users' view, last 2 minutes
};

alerting::RoutingConfig Routing() {
  alerting::RoutingConfig r;
  r.root.receiver = "oncall";
  r.root.group_by = {"job"};
  r.root.group_wait = Millis(0);
  alerting::Receiver oncall;
  oncall.name = "oncall";
  r.receivers.push_back(std::move(oncall));
  return r;
}

// The same pipeline `firewatch serve` and `firewatch demo` run, driven by the
// simulator step by step.
Outcome Respond(const std::string& name, const std::string& data_dir) {
  auto sc = sim::LoadBuiltinScenario(name);
  EXPECT_TRUE(sc) << sc.error().ToString();
  pipeline::Settings settings;
  settings.alerting.rule_files = {FW_RULE_PACK};
  settings.alerting.routing = Routing();
  settings.alerting.incident_group_by = {"job"};
  settings.alerting.auto_resolve = "off";
  settings.runbooks_dir = FW_RUNBOOKS_DIR;
  settings.response.vars["labels.service"] = sc->env.service;
  auto run = pipeline::SimRun::Open(std::move(*sc), std::move(settings), {data_dir});
  EXPECT_TRUE(run) << run.error().ToString();
  pipeline::Pipeline& p = (*run)->pipeline();
  pipeline::SimDriver& d = (*run)->driver();
  while (!d.done()) EXPECT_TRUE(d.Step());
  Outcome out;
  const Timestamp end = d.now() - d.start();
  out.error_rate_at_end = sim::Window(d.simulator(), end - 120'000, end + 1).error_rate;
  for (const auto& c : p.responder().cases()) {
    auto copy = std::make_unique<ResponseCase>();
    copy->incident_id = c->incident_id;
    copy->phase = c->phase;
    copy->analysis = c->analysis;
    copy->runbook = c->runbook;
    copy->runs = c->runs;
    out.cases.push_back(std::move(copy));
  }
  return out;
}

class ScenarioResponseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioResponseTest, DiagnosedAndResolvedByTheShippedRunbook) {
  const std::string name = GetParam();
  auto sc = sim::LoadBuiltinScenario(name);
  ASSERT_TRUE(sc);
  incident::TempDir dir;
  Outcome out = Respond(name, dir.path());
  if (!sc->expect) {  // a quiet afternoon: nobody gets paged
    EXPECT_TRUE(out.cases.empty());
    return;
  }
  ASSERT_EQ(out.cases.size(), 1u) << "one incident for one problem";
  const ResponseCase& c = *out.cases[0];
  ASSERT_TRUE(c.analysis);
  const rca::Hypothesis& top = c.analysis->hypotheses.at(0);
  EXPECT_EQ(top.category, sc->expect->root_cause);
  if (sc->expect->change.empty()) {
    EXPECT_FALSE(top.suspect_change && top.suspect_change->type == "deployment")
        << "blamed " << top.suspect_change->version << ", which changed nothing";
  } else {
    ASSERT_TRUE(top.suspect_change);
    EXPECT_EQ(top.suspect_change->version, sc->expect->change);
  }
  EXPECT_EQ(c.runbook, sc->expect->root_cause);
  EXPECT_TRUE(c.phase == CasePhase::kWatching || c.phase == CasePhase::kDone)
      << "the response ended " << CasePhaseName(c.phase);
  EXPECT_LT(out.error_rate_at_end, 0.01);
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  for (const auto& f : sim::BuiltinScenarioFiles()) names.push_back(f.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Builtin, ScenarioResponseTest, ::testing::ValuesIn(ScenarioNames()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return n;
                         });

}  // namespace
}  // namespace fw::response
