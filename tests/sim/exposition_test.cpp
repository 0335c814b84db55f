#include "sim/exposition.h"

#include <gtest/gtest.h>

#include <array>

namespace fw::sim {
namespace {

constexpr MetricFamily kUp{"up", MetricType::kGauge, "Up."};
constexpr MetricFamily kReq{"http_requests_total", MetricType::kCounter, "Requests."};
constexpr MetricFamily kLat{"lat_seconds", MetricType::kHistogram, "Latency."};
constexpr MetricFamily kSlow{"mysql_global_status_slow_queries", MetricType::kUntyped, "Slow."};

void Fill(TextExposition& t) {
  t.Sample(kUp, R"(instance="i-1")", 1);
  t.Sample(kReq, R"(instance="i-1",route="/",status="200")", 12);
  t.Sample(kSlow, "", 3);
  t.Sample(kReq, R"(instance="i-1",route="/",status="500")", 0.5);
  const std::array<double, 2> bounds = {0.1, 1};
  const std::array<int64_t, 3> cum = {1, 3, 4};
  t.Histogram(kLat, R"(a="x",instance="i-1")", bounds, cum, 2.5);
}

TEST(TextExpositionTest, AllTargetsKeepInstanceAndUp) {
  TextExposition t;
  Fill(t);
  EXPECT_EQ(t.Render(),
            "# HELP up Up.\n# TYPE up gauge\nup{instance=\"i-1\"} 1\n"
            "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
            "http_requests_total{instance=\"i-1\",route=\"/\",status=\"200\"} 12\n"
            "http_requests_total{instance=\"i-1\",route=\"/\",status=\"500\"} 0.5\n"
            "# HELP mysql_global_status_slow_queries Slow.\n"
            "# TYPE mysql_global_status_slow_queries untyped\n"
            "mysql_global_status_slow_queries 3\n"
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{a=\"x\",instance=\"i-1\",le=\"0.1\"} 1\n"
            "lat_seconds_bucket{a=\"x\",instance=\"i-1\",le=\"1\"} 3\n"
            "lat_seconds_bucket{a=\"x\",instance=\"i-1\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{a=\"x\",instance=\"i-1\"} 2.5\n"
            "lat_seconds_count{a=\"x\",instance=\"i-1\"} 4\n");
}

TEST(TextExpositionTest, OneTargetLeavesInstanceAndUpToTheScraper) {
  TextExposition t(/*as_target=*/true);
  Fill(t);
  const std::string out = t.Render();
  EXPECT_EQ(out.find("instance="), std::string::npos) << out;
  EXPECT_EQ(out.find("# TYPE up"), std::string::npos) << out;
  EXPECT_NE(out.find("http_requests_total{route=\"/\",status=\"200\"} 12\n"), std::string::npos);
  EXPECT_NE(out.find("lat_seconds_bucket{a=\"x\",le=\"0.1\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("lat_seconds_sum{a=\"x\"} 2.5\n"), std::string::npos) << out;
}

TEST(FormatValueTest, PrometheusSpellings) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
}

}  // namespace
}  // namespace fw::sim
