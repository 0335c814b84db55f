#include "metrics/stats/statistics.h"

#include <gtest/gtest.h>

namespace fw::metrics::stats {
namespace {

TEST(StatisticsTest, PoolsSeriesPerPeriod) {
  tsdb::Head head;
  // Two instances, one sample a minute for 10 minutes: values 1..10 and 101..110.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        head.Append(LabelSet{{"__name__", "latency"}, {"instance", "a"}}, i * 60'000, i + 1));
    ASSERT_TRUE(
        head.Append(LabelSet{{"__name__", "latency"}, {"instance", "b"}}, i * 60'000, i + 101));
  }
  ASSERT_TRUE(head.Append(LabelSet{{"__name__", "other"}}, 0, 1e9));
  StatsRequest r{{{MatchType::kEqual, "__name__", "latency"}},
                 0,
                 600'000,
                 300'000,
                 {"SampleCount", "Sum", "Average", "Minimum", "Maximum", "p50", "p90"}};
  auto d = ComputeStatistics(head, r);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->size(), 2u);
  const auto& first = (*d)[0].values;  // 1..5 and 101..105
  EXPECT_EQ((*d)[0].timestamp, 0);
  EXPECT_EQ(first.at("SampleCount"), 10);
  EXPECT_EQ(first.at("Sum"), 15 + 515);
  EXPECT_EQ(first.at("Average"), 53);
  EXPECT_EQ(first.at("Minimum"), 1);
  EXPECT_EQ(first.at("Maximum"), 105);
  EXPECT_EQ(first.at("p50"), 5) << "nearest rank: 5th of 10";
  EXPECT_EQ(first.at("p90"), 104);
  EXPECT_EQ((*d)[1].timestamp, 300'000);
  r.matchers.push_back({MatchType::kEqual, "instance", "a"});
  d = ComputeStatistics(head, r);
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[1].values.at("Maximum"), 10);
}

TEST(StatisticsTest, RejectsUnknownStatisticsAndBadRanges) {
  tsdb::Head head;
  StatsRequest r{{{MatchType::kEqual, "__name__", "x"}}, 0, 600'000, 300'000, {"Median"}};
  auto d = ComputeStatistics(head, r);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message().find("unknown statistic \"Median\""), std::string::npos);
  EXPECT_FALSE(ValidateStatistics({"p101"}));
  EXPECT_TRUE(ValidateStatistics({"p99.9", "Average"}));
  r.statistics = {"Average"};
  r.period_ms = 0;
  EXPECT_FALSE(ComputeStatistics(head, r));
}

}  // namespace
}  // namespace fw::metrics::stats
