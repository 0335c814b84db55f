#include "alerting/rule_eval.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "alerting/rule_test.h"
#include "metrics/promql/storage.h"

namespace fw::alerting {
namespace {

namespace fs = std::filesystem;

// Every *_test.yml under testdata passes; the same files pass promtool's
// `test rules` in the interop suite, which pins the semantics to Prometheus.
TEST(RuleUnitTestFiles, AllPass) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(FW_ALERTING_TESTDATA)) {
    const std::string path = entry.path().string();
    if (!path.ends_with("_test.yml")) continue;
    ++files;
    auto report = RunRuleTestFile(path);
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_GT(report->checks, 0u) << path;
    for (const std::string& m : report->messages) ADD_FAILURE() << path << ": " << m;
  }
  EXPECT_GE(files, 3u);
}

TEST(RuleUnitTestFiles, AWrongExpectationFails) {
  const fs::path dir = fs::temp_directory_path() / ("fw_rules_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(fs::path(FW_ALERTING_TESTDATA) / "golden_rules.yml", dir / "golden_rules.yml");
  std::ifstream in(fs::path(FW_ALERTING_TESTDATA) / "golden_test.yml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t at = text.find("severity: critical");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 18, "severity: warning");
  std::ofstream(dir / "t.yml") << text;
  auto report = RunRuleTestFile((dir / "t.yml").string());
  fs::remove_all(dir);
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_EQ(report->failures, 1u);
  EXPECT_NE(report->messages[0].find("alertname: HighErrorRate, time: 12m"), std::string::npos)
      << report->messages[0];
}

// A store of whole series the evaluator appends to.
class MapStorage final : public RuleStorage, public metrics::promql::Queryable {
 public:
  std::map<LabelSet, std::vector<metrics::Sample>> series;
  const metrics::promql::Queryable& queryable() const override { return *this; }
  Result<void> Append(const std::vector<OutputSample>& samples) override {
    for (const auto& s : samples) series[s.labels].push_back(s.sample);
    return {};
  }
  std::vector<metrics::promql::StoredSeries> Select(std::span<const metrics::LabelMatcher> m,
                                                    Timestamp mint, Timestamp maxt) const override {
    auto compiled = metrics::promql::CompiledMatchers::Compile(m);
    std::vector<metrics::promql::StoredSeries> out;
    for (const auto& [labels, samples] : series) {
      if (!compiled->Matches(labels)) continue;
      metrics::promql::StoredSeries s{labels, {}, {}};
      for (const auto& x : samples) {
        if (x.t >= mint && x.t <= maxt) s.samples.push_back(x);
      }
      if (!s.samples.empty()) out.push_back(std::move(s));
    }
    return out;
  }
};

RuleGroup OneRule(const std::string& yaml) {
  ParsedRules p = ParseRules(yaml, "r.yml");
  EXPECT_TRUE(p.errors.empty()) << p.errors.front().ToString();
  return p.groups.at(0);
}

TEST(GroupEvaluatorTest, ReportsTransitionsAndMarksResolvedSeriesStale) {
  MapStorage st;
  const LabelSet up{{"__name__", "up"}, {"job", "shop"}};
  for (int m = 0; m <= 10; ++m) st.series[up].push_back({m * 60'000, m >= 2 && m <= 5 ? 0.0 : 1.0});
  GroupEvaluator g(OneRule("groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n"
                           "    for: 2m\n"),
                   std::chrono::minutes(1));
  std::vector<std::string> seen;
  for (int m = 0; m <= 8; ++m) {
    for (const AlertChange& c : g.Eval(st, m * 60'000).changes) {
      seen.push_back(std::to_string(m) + ":" + ToString(c.alert.state));
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"2:pending", "4:firing", "6:inactive"}));
  const LabelSet alerts{
      {"__name__", "ALERTS"}, {"alertname", "Down"}, {"alertstate", "firing"}, {"job", "shop"}};
  const auto& samples = st.series.at(alerts);
  ASSERT_EQ(samples.size(), 3u);  // 4m, 5m firing; 6m stale
  EXPECT_TRUE(metrics::IsStaleNaN(samples.back().v));
  EXPECT_EQ(samples.back().t, 6 * 60'000);
  EXPECT_EQ(g.Alerts(0).at(0).state, AlertState::kInactive) << "kept 15 min as resolved";
}

TEST(GroupEvaluatorTest, LimitAndDuplicateLabelSetsAreRuleErrors) {
  MapStorage st;
  st.series[LabelSet{{"__name__", "x"}, {"a", "1"}}].push_back({0, 1});
  st.series[LabelSet{{"__name__", "x"}, {"a", "2"}}].push_back({0, 1});
  GroupEvaluator limited(
      OneRule("groups:\n- name: g\n  limit: 1\n  rules:\n  - alert: A\n    expr: x > 0\n"),
      std::chrono::minutes(1));
  auto r = limited.Eval(st, 0);
  EXPECT_EQ(r.rules.at(0).error, "exceeded limit of 1 with 2 alerts");
  GroupEvaluator dup(
      OneRule("groups:\n- name: g\n  rules:\n  - record: y\n    expr: sum without (a) (x) or x\n"
              "    labels: {a: same}\n"),
      std::chrono::minutes(1));
  EXPECT_EQ(dup.Eval(st, 0).rules.at(0).error,
            "vector contains metrics with the same labelset after applying rule labels");
}

// Series stored before intake checked UTF-8 (or labels a query makes, like
// label_replace with "\xff") must not carry invalid bytes into alerts, the
// incidents made of them, or recorded series: they become U+FFFD.
TEST(GroupEvaluatorTest, AlertsAndRecordedSeriesCarryValidUtf8) {
  MapStorage st;
  st.series[LabelSet{{"__name__", "x"}, {"bad", "a\xff"}}].push_back({0, 1});
  GroupEvaluator g(OneRule("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: x > 0\n"
                           "    annotations: {summary: '{{ $labels.bad }}'}\n"
                           "  - record: y\n    expr: x\n"),
                   std::chrono::minutes(1));
  const GroupResult r = g.Eval(st, 0);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].alert.labels.Get("bad"), "a\xEF\xBF\xBD");
  ASSERT_EQ(r.changes[0].alert.annotations.size(), 1u);
  EXPECT_EQ(r.changes[0].alert.annotations[0].second, "a\xEF\xBF\xBD");
  EXPECT_TRUE(st.series.contains(LabelSet{{"__name__", "y"}, {"bad", "a\xEF\xBF\xBD"}}));
}

}  // namespace
}  // namespace fw::alerting
