// End to end: every built-in scenario (its own seed) runs to the first alert
// of the shipped rule pack, and the analysis must name the scenario's
// `expect.root_cause` first and blame exactly `expect.change` (nothing when
// none is expected: the red-herring deploy must not be blamed). Every
// evidence query must be one an operator can run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "logs/insights/parser.h"
#include "metrics/promql/parser.h"
#include "rca/sim/incident_run.h"
#include "sim/builtin_scenarios.h"

namespace fw::rca {
namespace {

std::string Summary(const Analysis& a) {
  std::string out;
  for (const Hypothesis& h : a.hypotheses) {
    out += h.category + "=" + std::to_string(h.confidence).substr(0, 4) +
           (h.suspect_change ? "[" + h.suspect_change->version + "]" : "") + " ";
  }
  return out;
}

void Dump(const Analysis& a) {
  for (const Evidence& e : a.evidence) std::cout << "  " << e.id << " | " << e.title << "\n";
  for (const Hypothesis& h : a.hypotheses) {
    std::cout << "  " << h.category << " " << h.confidence << ": " << h.explanation << "\n";
  }
}

class ScenarioRcaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioRcaTest, TopHypothesisAndSuspectChange) {
  auto sc = sim::LoadBuiltinScenario(GetParam());
  ASSERT_TRUE(sc) << sc.error().ToString();
  // For exploring other seeds by hand; `firewatch rca bench` is the real sweep.
  if (const char* offset = std::getenv("FW_RCA_SEED_OFFSET")) sc->seed += std::stoull(offset);
  auto run = IncidentRun::Start(*sc, {});
  ASSERT_TRUE(run) << run.error().ToString();
  if (!sc->expect) {
    EXPECT_EQ((*run)->onset(), 0) << "a scenario without `expect` raises no alert";
    return;
  }
  ASSERT_NE((*run)->onset(), 0) << "no alert fired";
  auto a = Analyze((*run)->Sources(), (*run)->Window());
  ASSERT_TRUE(a) << a.error().ToString();
  if (std::getenv("FW_RCA_DUMP")) Dump(*a);
  ASSERT_EQ(a->hypotheses.size(), std::size(kCategories));
  const Hypothesis& top = a->hypotheses[0];
  EXPECT_EQ(top.category, sc->expect->root_cause) << Summary(*a);
  const std::string blamed = top.suspect_change ? top.suspect_change->version : "";
  EXPECT_EQ(blamed, sc->expect->change) << Summary(*a);
  if (top.suspect_change) {
    EXPECT_FALSE(top.suspect_change->previous_version.empty());
  }
  if (sc->expect->change.empty()) {
    // A deploy that changed nothing is blamed by no likely hypothesis.
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_FALSE(a->hypotheses[i].suspect_change) << a->hypotheses[i].category;
    }
  }
  EXPECT_FALSE(top.evidence.empty());
  EXPECT_EQ(top.runbook, top.category);
  for (const Evidence& e : a->evidence) {
    if (e.language == "promql") {
      EXPECT_TRUE(metrics::promql::ParseExpr(e.query)) << e.id << ": " << e.query;
    } else if (e.language == "insights") {
      EXPECT_TRUE(logs::insights::ParseQuery(e.query)) << e.id << ": " << e.query;
    }
  }
}

// No fault, no page: over ten seeds the shipped rules stay quiet. (Seed 16
// once paged HighHeapUsage for an instance the autoscaler had removed: its
// last heap sample lingered for the lookback until vanished series were
// marked stale.)
TEST(SteadyStateTest, RaisesNoAlertOnTenSeeds) {
  auto sc = sim::LoadBuiltinScenario("steady-state");
  ASSERT_TRUE(sc) << sc.error().ToString();
  const uint64_t first = sc->seed;
  for (uint64_t seed = first; seed < first + 10; ++seed) {
    sc->seed = seed;
    auto run = IncidentRun::Start(*sc, {});
    ASSERT_TRUE(run) << run.error().ToString();
    EXPECT_EQ((*run)->onset(), 0) << "seed " << seed << ": " << (*run)->first_alert();
  }
}

std::vector<std::string> Names() {
  std::vector<std::string> out;
  for (const sim::EmbeddedFile& f : sim::BuiltinScenarioFiles()) out.push_back(f.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Builtin, ScenarioRcaTest, ::testing::ValuesIn(Names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace fw::rca
