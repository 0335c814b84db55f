// Every built-in scenario, end to end in simulated time: the shipped rule
// pack detects it, analysis names the scenario's true root cause (and the
// change to blame, or none), the shipped runbook resolves it, and users see
// healthy service again. Ground truth comes from each scenario's `expect`
// key, read here only to score; the responder never sees it.

#include <gtest/gtest.h>

#include "../incident/temp_dir.h"
#include "logs/store/log_store.h"
#include "rca/sim/sim_db_diagnostics.h"
#include "response/responder.h"
#include "response/sim_pipeline.h"
#include "runbook/sim_adapter.h"
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

Outcome Respond(const std::string& name, const std::string& data_dir) {
  auto sc = sim::LoadBuiltinScenario(name);
  EXPECT_TRUE(sc) << sc.error().ToString();
  alerting::ParsedRules rules = alerting::LoadRuleFile(FW_RULE_PACK);
  EXPECT_TRUE(rules.errors.empty());
  runbook::RunbookSet runbooks = runbook::LoadRunbookDir(FW_RUNBOOKS_DIR);
  EXPECT_TRUE(runbooks.errors.empty()) << runbooks.errors.front().ToString();
  SimPipelineOptions po;
  po.data_dir = data_dir;
  po.rules = rules.groups;
  po.routing = Routing();
  po.policy.group_by = {"job"};
  const std::string service = sc->env.service;
  auto pipeline = SimPipeline::Open(std::move(*sc), po);
  EXPECT_TRUE(pipeline) << pipeline.error().ToString();
  SimPipeline& p = **pipeline;
  rca::SimDbDiagnostics db(p.simulator());
  logs::store::StoreEventSource logs(p.logs());
  runbook::SimAdapter adapter(p.simulator());
  ResponderOptions ro;
  ro.auto_approve = true;
  ro.vars["labels.service"] = service;
  Responder responder(p.incidents(), {&p.metrics(), &logs, &p.changes(), &db}, p.metrics(),
                      runbooks, adapter, ro);
  while (!p.done()) {
    EXPECT_TRUE(p.Step());
    responder.Tick(p.now());
  }
  Outcome out;
  const Timestamp end = p.now() - p.start();
  out.error_rate_at_end = sim::Window(p.simulator(), end - 120'000, end + 1).error_rate;
  for (const auto& c : responder.cases()) {
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
