#include "server/self_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fw::server {
namespace {

TEST(SelfMetricsTest, CounterIncrementsAndIgnoresNegatives) {
  SelfMetrics m;
  Counter& c = m.counter("jobs_total", "Jobs.");
  c.Inc();
  c.Inc(2.5);
  c.Inc(-10);
  c.Inc(std::nan(""));
  EXPECT_DOUBLE_EQ(c.value(), 3.5);
}

TEST(SelfMetricsTest, SameNameAndLabelsIsSameSeries) {
  SelfMetrics m;
  Counter& a = m.counter("x_total", "X.", {{"k", "1"}});
  Counter& b = m.counter("x_total", "ignored later help", {{"k", "1"}});
  Counter& c = m.counter("x_total", "X.", {{"k", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
}

TEST(SelfMetricsTest, GaugeSetAndAdd) {
  SelfMetrics m;
  Gauge& g = m.gauge("queue_depth", "Depth.");
  g.Set(10);
  g.Add(-3);
  g.Add(0.5);
  EXPECT_DOUBLE_EQ(g.value(), 7.5);
}

TEST(SelfMetricsTest, RendersTextFormatSortedWithEscapedLabels) {
  SelfMetrics m;
  m.gauge("b_gauge", "A gauge\nwith \\ newline.").Set(-1.5);
  m.counter("a_total", "Things.", {{"path", "x\"y\\z\nw"}}).Inc(3);
  m.counter("a_total", "Things.").Inc();
  const std::string expected =
      "# HELP a_total Things.\n"
      "# TYPE a_total counter\n"
      "a_total 1\n"
      "a_total{path=\"x\\\"y\\\\z\\nw\"} 3\n"
      "# HELP b_gauge A gauge\\nwith \\\\ newline.\n"
      "# TYPE b_gauge gauge\n"
      "b_gauge -1.5\n";
  EXPECT_EQ(m.Render(), expected);
}

TEST(SelfMetricsTest, HistogramRendersCumulativeBucketsSumAndCount) {
  SelfMetrics m;
  Histogram& h = m.histogram("lat_seconds", "Latency.", {0.1, 1}, {{"op", "get"}});
  h.Observe(0.1);  // "le" is inclusive
  h.Observe(0.5);
  h.Observe(7);
  const std::string expected =
      "# HELP lat_seconds Latency.\n"
      "# TYPE lat_seconds histogram\n"
      "lat_seconds_bucket{le=\"0.1\",op=\"get\"} 1\n"
      "lat_seconds_bucket{le=\"1\",op=\"get\"} 2\n"
      "lat_seconds_bucket{le=\"+Inf\",op=\"get\"} 3\n"
      "lat_seconds_sum{op=\"get\"} 7.6\n"
      "lat_seconds_count{op=\"get\"} 3\n";
  EXPECT_EQ(m.Render(), expected);
}

TEST(SelfMetricsTest, HistogramPutsNaNInInfBucket) {
  Histogram h({1});
  h.Observe(std::nan(""));
  EXPECT_EQ(h.CumulativeCounts(), (std::vector<uint64_t>{0, 1}));
}

TEST(SelfMetricsTest, MisuseThrowsLogicError) {
  SelfMetrics m;
  m.counter("dual", "D.");
  EXPECT_THROW(m.gauge("dual", "D."), std::logic_error);
  EXPECT_THROW(m.counter("9starts_with_digit", "D."), std::logic_error);
  EXPECT_THROW(m.counter("has-dash", "D."), std::logic_error);
  EXPECT_THROW(m.counter("ok_total", "D.", {{"__reserved", "x"}}), std::logic_error);
  EXPECT_THROW(m.counter("ok_total", "D.", {{"bad-label", "x"}}), std::logic_error);
  EXPECT_THROW(m.histogram("h", "H.", {1, 2}, {{"le", "1"}}), std::logic_error);
  m.histogram("h", "H.", {1, 2});
  EXPECT_THROW(m.histogram("h", "H.", {1, 3}), std::logic_error);
  EXPECT_THROW(Histogram({2, 1}), std::logic_error);
  EXPECT_THROW(m.histogram("unsorted", "U.", {2, 1}), std::logic_error);
  // Failed registrations leave nothing behind.
  EXPECT_EQ(m.Render().find("unsorted"), std::string::npos);
  EXPECT_EQ(m.Render().find("ok_total"), std::string::npos);
}

TEST(SelfMetricsTest, FormatsValuesLikePrometheus) {
  EXPECT_EQ(FormatSampleValue(3), "3");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(-2), "-2");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(SelfMetricsTest, ConcurrentIncrementsAreNotLost) {
  SelfMetrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) {
        m.counter("hits_total", "Hits.", {{"shard", std::to_string(i % 2)}}).Inc();
        m.histogram("h_seconds", "H.", {1}).Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(m.counter("hits_total", "Hits.", {{"shard", "0"}}).value(), 20000);
  EXPECT_DOUBLE_EQ(m.counter("hits_total", "Hits.", {{"shard", "1"}}).value(), 20000);
  EXPECT_EQ(m.histogram("h_seconds", "H.", {1}).CumulativeCounts().back(), 40000u);
}

}  // namespace
}  // namespace fw::server
