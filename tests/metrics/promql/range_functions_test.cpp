#include "metrics/promql/range_functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/prometheus_hash.h"

namespace fw::metrics::promql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A series with one sample every `step` seconds from t=step, values given.
std::vector<Sample> Series(std::vector<double> values, int step_s = 10, Timestamp start_s = 0) {
  std::vector<Sample> s;
  for (size_t i = 0; i < values.size(); ++i) {
    s.push_back({(start_s + static_cast<Timestamp>(i) * step_s) * 1000, values[i]});
  }
  return s;
}

TEST(RangeFunctionsTest, RateExtrapolatesToTheWindowEdges) {
  // 0,10,...,50 at t=0..50s; window (0s-ish, 60s]: samples cover 50s of 60s.
  auto s = Series({10, 20, 30, 40, 50, 60});
  // Samples at 0..50 s in the window (-10 s, 50 s]: the start gap (10 s) is
  // under 1.1 x the 10 s spacing, so the increase is extrapolated to it.
  EXPECT_DOUBLE_EQ(*ExtrapolatedRate(s, -10'000, 50'000, true, false), 60);
  auto from_zero = Series({0, 10, 20, 30, 40, 50});
  EXPECT_DOUBLE_EQ(*ExtrapolatedRate(from_zero, -10'000, 50'000, true, false), 50)
      << "a counter starting at 0 is not extrapolated below zero";
  // increase over a window that the samples fill exactly.
  auto inc = ExtrapolatedRate(std::span(s).subspan(1), 0, 50'000, true, false);
  EXPECT_DOUBLE_EQ(*inc, 50);
  auto rate = ExtrapolatedRate(std::span(s).subspan(1), 0, 50'000, true, true);
  EXPECT_DOUBLE_EQ(*rate, 1);
  EXPECT_FALSE(ExtrapolatedRate(std::span(s).subspan(0, 1), 0, 50'000, true, true));
}

TEST(RangeFunctionsTest, CounterResetsAddThePreviousValue) {
  auto s = Series({10, 20, 5, 15}, 10, 1);  // reset after 20
  // Raw increase: 15 - 10 + 20 (reset) = 25 over 30 s sampled, window (0, 40s].
  auto inc = ExtrapolatedRate(s, 0, 40'000, true, false);
  ASSERT_TRUE(inc);
  // to_start 10s (< 11s threshold) but zero point: 30 * 10/25 = 12 > 10, so 10.
  EXPECT_DOUBLE_EQ(*inc, 25 * (30.0 + 10 + 0) / 30);
  auto delta = ExtrapolatedRate(s, 0, 40'000, false, false);
  EXPECT_DOUBLE_EQ(*delta, 5 * 40.0 / 30);
}

TEST(RangeFunctionsTest, CounterDoesNotExtrapolateBelowZero) {
  auto s = Series({1, 11, 21}, 10, 100);  // first sample 100 s after window start
  auto inc = ExtrapolatedRate(s, 0, 120'000, true, false);
  ASSERT_TRUE(inc);
  // Start gap 100 s > 11 s: half a gap (5 s), but zero point is 20 * 1/20 = 1 s.
  EXPECT_DOUBLE_EQ(*inc, 20 * (20.0 + 1 + 0) / 20);
}

TEST(RangeFunctionsTest, InstantRates) {
  auto s = Series({3, 9, 4});
  EXPECT_DOUBLE_EQ(*InstantRate(s, true), 0.4) << "a reset: the last value over the gap";
  EXPECT_DOUBLE_EQ(*InstantRate(s, false), -5);
  EXPECT_FALSE(InstantRate(std::span(s).subspan(0, 1), true));
}

TEST(RangeFunctionsTest, OverTimeAggregations) {
  auto s = Series({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(SumOverTime(s), 40);
  EXPECT_DOUBLE_EQ(AvgOverTime(s), 5);
  EXPECT_DOUBLE_EQ(MinOverTime(s), 2);
  EXPECT_DOUBLE_EQ(MaxOverTime(s), 9);
  EXPECT_DOUBLE_EQ(StdvarOverTime(s), 4);
  EXPECT_DOUBLE_EQ(StddevOverTime(s), 2);
  EXPECT_DOUBLE_EQ(QuantileOverTime(0.5, s), 4.5);
  EXPECT_DOUBLE_EQ(MadOverTime(s), 0.5);
  EXPECT_DOUBLE_EQ(Changes(s), 4);
  EXPECT_DOUBLE_EQ(Resets(Series({1, 3, 2, 5, 0})), 2);
}

TEST(RangeFunctionsTest, KahanKeepsSmallTermsAndAvgSurvivesOverflow) {
  auto s = Series({1e16, 1, -1e16, 1});
  EXPECT_DOUBLE_EQ(SumOverTime(s), 2) << "naive summation gives 1 or 0";
  auto big = Series({1.5e308, 1.5e308, -1e308});
  EXPECT_NEAR(AvgOverTime(big) / 6.666666666666667e307, 1, 1e-12);
  EXPECT_EQ(AvgOverTime(Series({kInf, 1})), kInf);
  EXPECT_TRUE(std::isnan(MinOverTime(Series({NAN, NAN}))));
  EXPECT_DOUBLE_EQ(MinOverTime(Series({NAN, 3, 1})), 1) << "NaN loses to any number";
}

TEST(RangeFunctionsTest, DerivAndPredictLinear) {
  auto s = Series({0, 20, 40, 60});  // 2 per second
  EXPECT_DOUBLE_EQ(*Deriv(s), 2);
  EXPECT_DOUBLE_EQ(*PredictLinear(s, 100, 30'000), 60 + 200);
  EXPECT_DOUBLE_EQ(*Deriv(Series({5, 5, 5})), 0);
  EXPECT_FALSE(Deriv(Series({5})));
}

TEST(RangeFunctionsTest, DoubleExponentialSmoothingOfALine) {
  auto s = Series({1, 2, 3, 4, 5});
  EXPECT_NEAR(*DoubleExponentialSmoothing(s, 0.5, 0.5), 5, 1e-12) << "a line is followed";
}

TEST(QuantileTest, InterpolatesAndHandlesEdges) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Quantile(0.5, v), 2.5);
  EXPECT_DOUBLE_EQ(Quantile(1, v), 4);
  EXPECT_EQ(Quantile(-0.1, v), -kInf);
  EXPECT_EQ(Quantile(1.1, v), kInf);
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(Quantile(0.5, none)));
}

TEST(BucketQuantileTest, ClassicHistogramQuantiles) {
  std::vector<Bucket> b = {{0.1, 10}, {0.5, 30}, {1, 40}, {kInf, 40}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, b).value, 0.1 + 0.4 * (10.0 / 20));
  EXPECT_DOUBLE_EQ(BucketQuantile(0.1, b).value, 0.04) << "the lowest bucket starts at 0";
  EXPECT_DOUBLE_EQ(BucketQuantile(1, b).value, 1) << "top rank in the +Inf bucket: next bound";
  std::vector<Bucket> no_inf = {{0.1, 1}, {1, 2}};
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, no_inf).value));
  std::vector<Bucket> empty_counts = {{1, 0}, {kInf, 0}};
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, empty_counts).value));
  std::vector<Bucket> decreasing = {{1, 10}, {2, 8}, {kInf, 12}};
  auto r = BucketQuantile(0.5, decreasing);
  EXPECT_TRUE(r.forced_monotonic);
  EXPECT_DOUBLE_EQ(r.value, 0.6);
  std::vector<Bucket> negative = {{-1, 5}, {0, 10}, {kInf, 10}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.2, negative).value, -1);
}

TEST(AlmostEqualTest, RelativeWithNaN) {
  EXPECT_TRUE(AlmostEqual(NAN, NAN, 1e-6));
  EXPECT_TRUE(AlmostEqual(1e9, 1e9 + 1, 1e-6));
  EXPECT_FALSE(AlmostEqual(1, 1.001, 1e-6));
  EXPECT_FALSE(AlmostEqual(0, 1e-300, 1e-6));
}

// Reference values of XXH64 (seed 0), and the label-set framing Prometheus
// hashes for limit_ratio.
TEST(PrometheusHashTest, MatchesXxh64AndPrometheusFraming) {
  EXPECT_EQ(Xxh64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Xxh64("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(Xxh64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(Xxh64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
  EXPECT_EQ(PrometheusHash(LabelSet{{"b", "2"}, {"a", "1"}}), Xxh64("a\xff"
                                                                    "1\xff"
                                                                    "b\xff"
                                                                    "2\xff"));
}

}  // namespace
}  // namespace fw::metrics::promql
