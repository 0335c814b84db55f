// Executor behaviour that needs a clock or a counting source.
#include "logs/insights/executor.h"

#include <gtest/gtest.h>

#include "logs/insights/parser.h"

namespace fw::logs::insights {
namespace {

// A clock that moves forward a second each time it is read.
class TickingClock final : public Clock {
 public:
  Timestamp Now() const override { return now_ += 1000; }
  void SleepUntil(Timestamp t) override { now_ = t; }

 private:
  mutable Timestamp now_ = 0;
};

// Generates n events, one per millisecond, without holding them.
class CountingSource final : public EventSource {
 public:
  explicit CountingSource(int n) : n_(n) {}
  Result<void> Scan(const TimeRange& range,
                    const std::function<bool(const LogEvent&)>& fn) override {
    for (int i = 0; i < n_; ++i) {
      LogEvent e;
      e.timestamp = 1'000'000 + (i * 7919) % n_;  // out of order on purpose
      e.message = "event " + std::to_string(i);
      e.fields.emplace_back("i", Value::Number(i));
      if (range.Contains(e.timestamp) && !fn(e)) break;
    }
    return {};
  }

 private:
  int n_;
};

Result<QueryResult> RunQuery(const std::string& q, EventSource& src, Clock& clock,
                             const QueryLimits& limits = {}) {
  auto parsed = ParseQuery(q);
  if (!parsed) return std::unexpected(parsed.error());
  return Execute(*parsed, src, {}, clock, limits);
}

TEST(ExecutorTest, TimeLimitIsAClearError) {
  TickingClock clock;
  CountingSource src(100'000);
  QueryLimits limits;
  limits.timeout_ms = 5'000;
  auto r = RunQuery("stats count(*)", src, clock, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTooLarge);
  EXPECT_NE(r.error().message().find("time limit of 5000 ms"), std::string::npos)
      << r.error().message();
}

TEST(ExecutorTest, AStopRequestCancelsTheQuery) {
  ManualClock clock;
  CountingSource src(100'000);
  std::stop_source stop;
  stop.request_stop();
  QueryLimits limits;
  limits.stop = stop.get_token();
  auto r = RunQuery("stats count(*)", src, clock, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(r.error().message().find("query was canceled"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(RunQuery("stats count(*)", src, clock)) << "without a stop it runs";
}

TEST(ExecutorTest, MostRecentRowsNeedOnlyLimitRowsOfMemory) {
  ManualClock clock;
  CountingSource src(50'000);
  QueryLimits limits;
  limits.max_rows = 100;  // far fewer than the events
  auto r = RunQuery("fields i | limit 3", src, clock, limits);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->records_scanned, 50'000);
  r = RunQuery("sort i desc | limit 2 | fields i", src, clock, limits);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rows[0][0].number(), 49'999);
  EXPECT_EQ(r->rows[1][0].number(), 49'998);
}

TEST(ExecutorTest, HoldingTooManyRowsIsAClearError) {
  ManualClock clock;
  CountingSource src(1'000);
  QueryLimits limits;
  limits.max_rows = 100;
  auto r = RunQuery("sort i | dedup i", src, clock, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTooLarge);
  EXPECT_NE(r.error().message().find("more than 100 rows"), std::string::npos);
}

TEST(ExecutorTest, ImplicitOrderIsMostRecentFirst) {
  ManualClock clock;
  CountingSource src(1'000);
  auto r = RunQuery("fields @timestamp | limit 2", src, clock);
  ASSERT_TRUE(r);
  EXPECT_GT(r->rows[0][0].number(), r->rows[1][0].number());
  EXPECT_EQ(static_cast<Timestamp>(r->rows[0][0].number()), 1'000'000 + 999);
}

}  // namespace
}  // namespace fw::logs::insights
