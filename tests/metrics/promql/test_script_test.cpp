#include "metrics/promql/test_script.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fw::metrics::promql {
namespace {

using Kind = SeriesValue::Kind;

std::vector<double> Floats(std::string_view text) {
  auto v = ExpandSeriesValues(text);
  EXPECT_TRUE(v) << text << ": " << v.error().ToString();
  std::vector<double> out;
  for (const auto& s : *v) out.push_back(s.kind == Kind::kFloat ? s.value : -999);
  return out;
}

TEST(SeriesNotationTest, Expands) {
  EXPECT_EQ(Floats("0+10x3"), (std::vector<double>{0, 10, 20, 30}));
  EXPECT_EQ(Floats("1x2"), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(Floats("-1-1x4"), (std::vector<double>{-1, -2, -3, -4, -5}));
  EXPECT_EQ(Floats("5-2x2 7"), (std::vector<double>{5, 3, 1, 7}));
  EXPECT_EQ(Floats("1e3+1e2x1"), (std::vector<double>{1000, 1100}));
  EXPECT_EQ(Floats("2 -3 0.5"), (std::vector<double>{2, -3, 0.5}));
  EXPECT_EQ(Floats("1x0"), (std::vector<double>{1}));
  EXPECT_EQ(Floats("0x3"), (std::vector<double>{0, 0, 0, 0}));  // a repeat, not hex
}

TEST(SeriesNotationTest, GapsStaleAndSpecialValues) {
  auto v = ExpandSeriesValues("1x2 _ 3 stale _x2 Inf -Inf NaN");
  ASSERT_TRUE(v);
  std::vector<Kind> kinds;
  for (const auto& s : *v) kinds.push_back(s.kind);
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::kFloat, Kind::kFloat, Kind::kFloat, Kind::kOmitted,
                                      Kind::kFloat, Kind::kStale, Kind::kOmitted, Kind::kOmitted,
                                      Kind::kFloat, Kind::kFloat, Kind::kFloat}));
  EXPECT_EQ((*v)[4].value, 3);
  EXPECT_TRUE(std::isinf((*v)[8].value) && (*v)[8].value > 0);
  EXPECT_TRUE(std::isinf((*v)[9].value) && (*v)[9].value < 0);
  EXPECT_TRUE(std::isnan((*v)[10].value));
  EXPECT_FALSE(ExpandSeriesValues("1+x3"));
  EXPECT_FALSE(ExpandSeriesValues("abc"));
}

TEST(SeriesNotationTest, LineWithLabelsAndHistograms) {
  auto s = ParseSeriesLine("http_requests{job=\"api\", instance='0'} 0+10x2");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->labels.ToString(), "{__name__=\"http_requests\",instance=\"0\",job=\"api\"}");
  EXPECT_EQ(s->values.size(), 3u);
  EXPECT_FALSE(s->has_histogram);

  auto h = ParseSeriesLine("h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2 {{count:1}} 3");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_TRUE(h->has_histogram);
  EXPECT_EQ(h->values.size(), 5u);  // x2 is three histograms, then one, then a float
  auto hh = ParseSeriesLine("h {{count:1}}+{{count:2}}x3");
  ASSERT_TRUE(hh) << hh.error().ToString();
  EXPECT_EQ(hh->values.size(), 4u);
  ASSERT_TRUE(hh->values[3].histogram);
  EXPECT_EQ(hh->values[3].histogram->count, 7);  // 1 + 3 increments of 2

  auto empty = ParseSeriesLine("{} 1 _ 3");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->labels.empty());
  EXPECT_FALSE(ParseSeriesLine("1 2 3"));
}

constexpr std::string_view kScript = R"(# A comment
load 5m
  http_requests{job="api", instance="0"} 0+10x3
  other{a="b"} 1 _ stale 4
  hist {{schema:0 sum:1 count:1}}

eval instant at 10m sum(http_requests)
  {} 20

eval range from 0 to 10m step 5m http_requests
  expect no_warn
  http_requests{job="api", instance="0"} 0 10 20

eval_fail instant at 0m rate(foo)
  expected_fail_message expected type range vector

eval instant at 1m time()
  expect fail regex: ^bad.*
  expect warn msg: "quoted message"
  60

ignore
eval instant at 0 "x"
  expect string "x"

resume

clear
load_with_nhcb 1m
  a 1

eval instant at 1m a[1m]
  expect range vector from 1m to 1m step 1m
  a 1
)";

TEST(TestScriptTest, ParsesCommands) {
  auto s = ParseTestScript(kScript, "inline.test");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->CountEvals(), 6);
  EXPECT_EQ(s->CountLoads(), 2);
  ASSERT_EQ(s->commands.size(), 9u);

  const auto& load = std::get<LoadCommand>(s->commands[0]);
  EXPECT_EQ(load.step_ms, 300000);
  ASSERT_EQ(load.series.size(), 3u);
  const auto& samples = load.series[0].samples;
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[3].t, 900000);
  EXPECT_EQ(samples[3].v, 30);
  const auto& other = load.series[1].samples;  // the gap is dropped, stale kept
  ASSERT_EQ(other.size(), 3u);
  EXPECT_EQ(other[1].t, 600000);
  EXPECT_TRUE(IsStaleNaN(other[1].v));
  EXPECT_FALSE(load.series[2].unsupported);  // native histograms load now
  ASSERT_EQ(load.series[2].histograms.size(), 1u);
  EXPECT_EQ(load.series[2].histograms[0].h->count, 1);

  const auto& e1 = std::get<EvalCommand>(s->commands[1]);
  EXPECT_EQ(e1.line, 7);
  EXPECT_EQ(e1.query, "sum(http_requests)");
  EXPECT_EQ(e1.query_column, 21);
  EXPECT_EQ(e1.at_ms, 600000);
  ASSERT_EQ(e1.expected_series.size(), 1u);
  EXPECT_TRUE(e1.expected_series[0].labels.empty());

  const auto& e2 = std::get<EvalCommand>(s->commands[2]);
  EXPECT_TRUE(e2.is_range);
  EXPECT_EQ(e2.end_ms, 600000);
  EXPECT_EQ(e2.step_ms, 300000);
  EXPECT_TRUE(e2.Has(ExpectKind::kNoWarn));
  EXPECT_EQ(e2.expected_series[0].values.size(), 3u);

  const auto& e3 = std::get<EvalCommand>(s->commands[3]);
  EXPECT_TRUE(e3.ExpectsFailure());
  ASSERT_EQ(e3.expectations.size(), 2u);
  EXPECT_EQ(e3.expectations[1].match, Expectation::Match::kExact);
  EXPECT_EQ(e3.expectations[1].text, "expected type range vector");

  const auto& e4 = std::get<EvalCommand>(s->commands[4]);
  ASSERT_EQ(e4.expectations.size(), 2u);
  EXPECT_EQ(e4.expectations[0].match, Expectation::Match::kRegex);
  EXPECT_EQ(e4.expectations[0].text, "^bad.*");
  EXPECT_EQ(e4.expectations[1].kind, ExpectKind::kWarn);
  EXPECT_EQ(e4.expectations[1].text, "quoted message");
  ASSERT_TRUE(e4.expected_scalar);
  EXPECT_EQ(*e4.expected_scalar, 60);

  const auto& e5 = std::get<EvalCommand>(s->commands[5]);
  EXPECT_TRUE(e5.ignored);
  EXPECT_EQ(e5.expected_string, "x");

  EXPECT_TRUE(std::get<LoadCommand>(s->commands[7]).with_nhcb);
  const auto& e6 = std::get<EvalCommand>(s->commands[8]);
  ASSERT_TRUE(e6.expected_range_vector);
  EXPECT_EQ(e6.expected_range_vector->start_ms, 60000);
  EXPECT_FALSE(e6.ignored);
}

TEST(TestScriptTest, ErrorsNameFileAndLine) {
  auto s = ParseTestScript("load 1m\n  a 1\n\nfrobnicate\n", "x.test");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().where().file, "x.test");
  EXPECT_EQ(s.error().where().line, 4);
  auto bad_series = ParseTestScript("load 1m\n  a 1 zz\n", "y.test");
  ASSERT_FALSE(bad_series);
  EXPECT_EQ(bad_series.error().where().line, 2);
  auto bad_time = ParseTestScript("eval instant at soon foo\n", "z.test");
  ASSERT_FALSE(bad_time);
  EXPECT_EQ(bad_time.error().where().line, 1);
}

}  // namespace
}  // namespace fw::metrics::promql
