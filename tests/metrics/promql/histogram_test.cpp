// Native histograms: the promqltest notation, arithmetic, statistics, and
// the conversion of classic histograms (load_with_nhcb).

#include "metrics/promql/histogram.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/promql/histogram_stats.h"
#include "metrics/promql/nhcb.h"

namespace fw::metrics::promql {
namespace {

FloatHistogram H(std::string_view text) {
  auto h = ParseHistogram(text);
  EXPECT_TRUE(h) << h.error().ToString();
  return h ? *h : FloatHistogram{};
}

TEST(HistogramTest, ParsesTheNotation) {
  FloatHistogram h =
      H("{{schema:1 sum:5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] offset:2 "
        "n_buckets:[3] n_offset:-1 counter_reset_hint:gauge}}");
  EXPECT_EQ(h.schema, 1);
  EXPECT_EQ(h.sum, 5);
  EXPECT_EQ(h.count, 4);
  EXPECT_EQ(h.zero_count, 1);
  EXPECT_EQ(h.zero_threshold, 0.001);
  ASSERT_EQ(h.positive.size(), 2u);
  EXPECT_EQ(h.positive[0], (std::pair<int32_t, double>{2, 1}));
  EXPECT_EQ(h.negative[0], (std::pair<int32_t, double>{-1, 3}));
  EXPECT_EQ(h.hint, FloatHistogram::Hint::kGauge);
  EXPECT_FALSE(ParseHistogram("{{schema:0 bogus:1}}"));
  EXPECT_FALSE(ParseHistogram("{{buckets:[1 x]}}"));
  EXPECT_FALSE(ParseHistogram("{{count:1}"));
}

TEST(HistogramTest, AddsAcrossSchemasAndComparesWithTolerance) {
  FloatHistogram a = H("{{schema:1 count:2 sum:2 buckets:[1 1]}}");  // indices 0, 1
  ASSERT_TRUE(a.Add(H("{{schema:0 count:1 sum:1 buckets:[1]}}")));
  EXPECT_EQ(a.schema, 0);
  EXPECT_TRUE(HistogramsAlmostEqual(a, H("{{schema:0 count:3 sum:3 buckets:[2 1]}}"), 1e-6));
  EXPECT_FALSE(HistogramsAlmostEqual(a, H("{{schema:0 count:3 sum:3 buckets:[2 2]}}"), 1e-6));
  FloatHistogram custom = H("{{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}}");
  EXPECT_FALSE(custom.Add(a));  // custom against exponential buckets
}

TEST(HistogramTest, ReconcilesCustomBoundsToTheSharedOnes) {
  FloatHistogram a = H("{{schema:-53 count:3 sum:3 custom_values:[1 10] buckets:[1 2]}}");
  bool reconciled = false;
  ASSERT_TRUE(
      a.Add(H("{{schema:-53 count:2 sum:1 custom_values:[1] buckets:[2]}}"), -1, &reconciled));
  EXPECT_TRUE(reconciled);
  EXPECT_TRUE(HistogramsAlmostEqual(
      a, H("{{schema:-53 count:1 sum:2 custom_values:[1] buckets:[-1 2]}}"), 1e-6));
}

TEST(HistogramTest, DetectsCounterResets) {
  const FloatHistogram prev = H("{{schema:0 count:4 sum:4 buckets:[2 2]}}");
  EXPECT_FALSE(H("{{schema:0 count:5 sum:5 buckets:[3 2]}}").DetectReset(prev));
  EXPECT_TRUE(H("{{schema:0 count:5 sum:5 buckets:[1 4]}}").DetectReset(prev));
  EXPECT_TRUE(H("{{schema:0 count:3 sum:3 buckets:[2 1]}}").DetectReset(prev));
}

TEST(HistogramTest, QuantileFractionAndVarianceOfCustomBuckets) {
  const FloatHistogram h = H("{{schema:-53 count:4 sum:6 custom_values:[1 2 4] buckets:[0 2 2]}}");
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, h), 2);
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.75, h), 3);
  EXPECT_TRUE(std::isinf(HistogramQuantile(1.5, h)));
  EXPECT_DOUBLE_EQ(HistogramFraction(0, 2, h), 0.5);
  EXPECT_DOUBLE_EQ(HistogramFraction(2, 2, h), 0);
  EXPECT_TRUE(std::isnan(HistogramFraction(NAN, 2, h)));
  // Midpoints 1.5 and 3 around the mean 1.5: (2*0 + 2*2.25) / 4.
  EXPECT_DOUBLE_EQ(HistogramVariance(h), 1.125);
}

TEST(HistogramTest, GoStringAsCountValuesPrintsIt) {
  const FloatHistogram h =
      H("{{schema:0 sum:10 count:20 z_bucket_w:0.001 z_bucket:2 buckets:[1 2] n_buckets:[1 2]}}");
  EXPECT_EQ(h.GoString(),
            "{count:20, sum:10, [-2,-1):2, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1, (1,2]:2}");
}

TEST(NhcbTest, ConvertsClassicSeriesPerTimestamp) {
  auto series = [](const char* name, const char* le, std::vector<double> values) {
    LoadedSeries s;
    s.labels.Set(kMetricNameLabel, name);
    if (le) s.labels.Set("le", le);
    for (size_t i = 0; i < values.size(); ++i)
      s.samples.push_back({static_cast<Timestamp>(i) * 1000, values[i]});
    return s;
  };
  std::vector<LoadedSeries> in = {
      series("h_bucket", "1", {1, 2}), series("h_bucket", "+Inf", {3, 5}),
      series("h_sum", nullptr, {4, 9}), series("other", nullptr, {1, 1})};
  std::vector<LoadedSeries> out = ConvertClassicHistograms(in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].labels.Get(kMetricNameLabel), "h");
  ASSERT_EQ(out[0].histograms.size(), 2u);
  EXPECT_TRUE(HistogramsAlmostEqual(
      *out[0].histograms[1].h, H("{{schema:-53 count:5 sum:9 custom_values:[1] buckets:[2 3]}}"),
      1e-9));
}

}  // namespace
}  // namespace fw::metrics::promql
