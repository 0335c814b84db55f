// ComputeImpact over request logs with known counts: users affected,
// failed checkouts, revenue and degraded minutes (error rate over 1% or p99
// over 1 s, per minute), with and without access-log sampling.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "logs/event_source.h"
#include "logs/record.h"
#include "report/report.h"

namespace fw::report {
namespace {

using testing::kMin;
using testing::kT0;

struct Events {
  std::vector<logs::LogEvent> list;
  void Add(Timestamp t, int status, const std::string& route, const std::string& user,
           int latency = 40, int n = 1) {
    for (int i = 0; i < n; ++i) {
      nlohmann::json line = {{"@timestamp", FormatRfc3339Millis(t + i)},
                             {"route", route},
                             {"method", "GET"},
                             {"status", status},
                             {"latency_ms", latency},
                             {"user_id", user}};
      list.push_back(logs::DecodeLine(line.dump(), t));
    }
  }
};

// Minute 0: healthy. Minute 1: 5% errors. Minute 2: p99 5 s. Minute 3: an
// error rate of 1/101, just under 1%. Outside the window: more errors.
logs::VectorEventSource Source() {
  Events e;
  e.Add(kT0 - kMin, 503, "/checkout", "early", 40, 10);
  e.Add(kT0, 200, "/product", "u1", 40, 200);
  e.Add(kT0 + kMin, 200, "/product", "u1", 40, 95);
  for (const char* user : {"e1", "e2", "e3"}) e.Add(kT0 + kMin + 1000, 503, "/checkout", user);
  for (const char* user : {"e1", "e2"}) e.Add(kT0 + kMin + 2000, 502, "/cart", user);
  e.Add(kT0 + 2 * kMin, 200, "/product", "u2", 40, 98);
  e.Add(kT0 + 2 * kMin + 500, 200, "/search", "u3", 5000, 2);
  e.Add(kT0 + 3 * kMin, 200, "/product", "u4", 40, 100);
  e.Add(kT0 + 3 * kMin + 900, 500, "/checkout", "e4");
  e.list.push_back(logs::DecodeLine(R"({"@timestamp":"x","message":"pool warning"})", kT0 + 100));
  e.Add(kT0 + 4 * kMin, 503, "/checkout", "late", 40, 10);
  return logs::VectorEventSource(std::move(e.list));
}

TEST(ComputeImpactTest, CountsFromLogs) {
  auto source = Source();
  ImpactOptions o;
  o.average_order_value = 50;
  auto im = ComputeImpact(source, kT0, kT0 + 4 * kMin, o);
  ASSERT_TRUE(im) << im.error().ToString();
  EXPECT_EQ(im->start, kT0);
  EXPECT_EQ(im->end, kT0 + 4 * kMin);
  EXPECT_EQ(im->requests, 501);
  EXPECT_EQ(im->failed_requests, 6);
  EXPECT_EQ(im->users_affected, 4);
  EXPECT_EQ(im->failed_checkouts, 4);
  EXPECT_DOUBLE_EQ(im->revenue_impact, 200);
  EXPECT_DOUBLE_EQ(im->degraded_minutes, 2);
  ASSERT_EQ(im->queries.size(), 4u);
  EXPECT_NE(im->queries[2].find("route = \"/checkout\""), std::string::npos);
}

TEST(ComputeImpactTest, SampledAccessLogsScaleSuccesses) {
  auto source = Source();
  ImpactOptions o;
  o.access_sample = 0.01;
  auto im = ComputeImpact(source, kT0, kT0 + 4 * kMin, o);
  ASSERT_TRUE(im) << im.error().ToString();
  EXPECT_EQ(im->requests, 6 + 49'500);
  EXPECT_DOUBLE_EQ(im->revenue_impact, 0);    // no average order value configured
  EXPECT_DOUBLE_EQ(im->degraded_minutes, 1);  // only the slow minute
}

TEST(ComputeImpactTest, CheckoutRouteIsConfigurable) {
  auto source = Source();
  ImpactOptions o;
  o.checkout_route = "/cart";
  auto im = ComputeImpact(source, kT0, kT0 + 4 * kMin, o);
  ASSERT_TRUE(im);
  EXPECT_EQ(im->failed_checkouts, 2);
}

TEST(ComputeImpactTest, EmptyLogsCountNothing) {
  logs::VectorEventSource none({});
  auto im = ComputeImpact(none, kT0, kT0 + kMin, {});
  ASSERT_TRUE(im) << im.error().ToString();
  EXPECT_EQ(im->requests, 0);
  EXPECT_EQ(im->users_affected, 0);
  EXPECT_DOUBLE_EQ(im->degraded_minutes, 0);
}

TEST(ComputeImpactTest, RejectsBadWindowAndSample) {
  logs::VectorEventSource none({});
  EXPECT_FALSE(ComputeImpact(none, kT0, kT0, {}));
  ImpactOptions o;
  o.access_sample = 0;
  EXPECT_FALSE(ComputeImpact(none, kT0, kT0 + 1, o));
}

TEST(ComputeImpactWithTest, RunnerErrorsNameTheQuery) {
  QueryRunner failing = [](const std::string&, Timestamp, Timestamp) -> Result<QueryRows> {
    return Fail(ErrorCode::kIo, "server went away");
  };
  auto im = ComputeImpactWith(failing, kT0, kT0 + kMin, {});
  ASSERT_FALSE(im);
  EXPECT_NE(im.error().message().find("impact query `filter"), std::string::npos);
  EXPECT_NE(im.error().message().find("server went away"), std::string::npos);
}

TEST(ComputeImpactWithTest, ReadsTextCellsAsTheHttpApiAnswers) {
  QueryRunner canned = [](const std::string& q, Timestamp, Timestamp) -> Result<QueryRows> {
    if (q.find("count_distinct") != std::string::npos) return QueryRows{{{"users", "7"}}};
    if (q.find("failed_checkouts") != std::string::npos) {
      return QueryRows{{{"failed_checkouts", "3"}}};
    }
    if (q.find("bin(1m)") != std::string::npos) {
      return QueryRows{{{"requests", "100"}, {"failed", "0"}, {"p99", "1500"}},
                       {{"requests", "100"}, {"failed", "0"}}};  // no latency: p99 absent
    }
    return QueryRows{{{"requests", "200"}, {"failed", "9"}}};
  };
  ImpactOptions o;
  o.average_order_value = 10;
  auto im = ComputeImpactWith(canned, kT0, kT0 + kMin, o);
  ASSERT_TRUE(im);
  EXPECT_EQ(im->users_affected, 7);
  EXPECT_EQ(im->failed_checkouts, 3);
  EXPECT_DOUBLE_EQ(im->revenue_impact, 30);
  EXPECT_DOUBLE_EQ(im->degraded_minutes, 1);
  EXPECT_EQ(im->failed_requests, 9);
}

TEST(ImpactWindowTest, FromOnsetToResolutionOrNow) {
  ReportInput in = testing::FullInput();
  auto [start, end] = ImpactWindow(in, kT0 + 99 * kMin);
  EXPECT_EQ(start, kT0);  // the analysis onset, before the incident was opened
  EXPECT_EQ(end, kT0 + 20 * kMin);
  in.incident.resolved_at.reset();
  EXPECT_EQ(ImpactWindow(in, kT0 + 99 * kMin).second, kT0 + 99 * kMin);
}

}  // namespace
}  // namespace fw::report
