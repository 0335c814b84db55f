// The shipped rule pack against the simulated production: for every built-in
// scenario, which golden-signal alerts fire and when (minutes after the
// start), pinned in testdata/scenario_alerts.txt. A quiet run must raise
// nothing; each failure mode must raise the alerts an SRE would expect.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "alerting/memory_rule_storage.h"
#include "alerting/rule_eval.h"
#include "metrics/ingest/file_import.h"
#include "sim/builtin_scenarios.h"
#include "sim/openmetrics_recorder.h"
#include "sim/simulator.h"

namespace fw::alerting {
namespace {

// Keeps only the metrics of a run.
class MetricsOnly final : public sim::SimSink {
 public:
  void OnLog(std::string_view) override {}
  void OnChange(std::string_view) override {}
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    recorder.BeginScrape(t);
    s.Collect(recorder);
  }
  sim::OpenMetricsRecorder recorder;
};

// "HighErrorRate@7 DatabaseConnectionsHigh@8": each alert's first firing minute.
std::string FiredAlerts(const std::string& scenario) {
  auto sc = sim::LoadBuiltinScenario(scenario);
  EXPECT_TRUE(sc) << sc.error().ToString();
  sim::Simulator simulator(*sc);
  MetricsOnly sink;
  simulator.set_sink(&sink);
  const Timestamp start = simulator.now();
  while (!simulator.done()) simulator.Step();
  const std::string path = ::testing::TempDir() + "fw_scenario_" + scenario + ".om";
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_TRUE(f && sink.recorder.Write(f));
  std::fclose(f);
  auto imported = metrics::ingest::ImportFile(path);
  std::remove(path.c_str());
  EXPECT_TRUE(imported) << imported.error().ToString();
  MemoryRuleStorage storage;
  for (const auto& s : imported->series) {
    for (const auto& x : s.samples) storage.Add(s.labels, x);
  }
  ParsedRules pack = LoadRuleFile(FW_RULE_PACK);
  EXPECT_TRUE(pack.errors.empty());
  GroupEvaluator g(pack.groups.at(0), std::chrono::seconds(15));
  std::map<std::string, Timestamp> first;
  for (Timestamp t = start; t <= simulator.now(); t += g.interval().count()) {
    for (const AlertChange& c : g.Eval(storage, t).changes) {
      if (c.alert.state == AlertState::kFiring) first.try_emplace(c.rule, t);
    }
  }
  std::multimap<Timestamp, std::string> by_time;
  for (const auto& [name, t] : first) by_time.emplace(t, name);
  std::string out;
  for (const auto& [t, name] : by_time) {
    out += (out.empty() ? "" : " ") + name + "@" + std::to_string((t - start) / 60'000);
  }
  return out.empty() ? "none" : out;
}

TEST(ScenarioAlertsTest, ShippedRulesCatchEachFailureMode) {
  std::ifstream in(FW_ALERTING_TESTDATA "/scenario_alerts.txt");
  ASSERT_TRUE(in);
  std::string line;
  size_t checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string scenario, expected, word;
    fields >> scenario;
    while (fields >> word) expected += (expected.empty() ? "" : " ") + word;
    EXPECT_EQ(FiredAlerts(scenario), expected) << scenario;
    ++checked;
  }
  EXPECT_EQ(checked, sim::BuiltinScenarioFiles().size()) << "every scenario is pinned";
}

}  // namespace
}  // namespace fw::alerting
