// The limits a PromQL query runs under (limits.h): nesting depth in the
// parser (so that neither the parser nor the evaluator can overflow the
// stack), time limit and cancellation inside the evaluator, samples held by
// subqueries. Each class is attacked through every construct that nests.

#include "metrics/promql/limits.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <stop_token>
#include <string>

#include "common/clock.h"
#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"
#include "metrics/promql/storage.h"

namespace fw::metrics::promql {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Every way an expression nests, `n` levels deep.
std::vector<std::pair<std::string, std::string>> NestedQueries(int n) {
  return {
      {"parentheses", Repeat("(", n) + "1" + Repeat(")", n)},
      {"unary minus", Repeat("-", n) + "1"},
      {"left-assoc chain", "1" + Repeat(" + 1", n)},
      {"right-assoc power", "2" + Repeat(" ^ 2", n)},
      {"or chain", "up" + Repeat(" or up", n)},
      {"function calls", Repeat("abs(", n) + "up" + Repeat(")", n)},
      {"aggregations", Repeat("sum(", n) + "up" + Repeat(")", n)},
      {"offsets in subqueries", Repeat("max_over_time(", n) + "up" + Repeat("[1m:] offset 1m)", n)},
      {"duration arithmetic", "up[" + Repeat("(", n) + "1m" + Repeat(")", n) + "]"},
      {"duration chain", "up[1m" + Repeat(" + 1s", n) + "]"},
      {"mixed", Repeat("(-abs(sum(", n) + "up" + Repeat(")))", n)},
  };
}

TEST(PromqlDepthTest, EveryNestingConstructIsRefusedPastTheLimit) {
  for (int n : {kDefaultMaxDepth + 1, 10'000, 100'000}) {
    for (const auto& [what, q] : NestedQueries(n)) {
      auto e = ParseExpr(q);
      ASSERT_FALSE(e) << what << " at depth " << n << " parsed";
      EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument) << what;
      EXPECT_NE(e.error().message().find("expression nested deeper than 128 levels"),
                std::string::npos)
          << what << ": " << e.error().ToString();
      EXPECT_EQ(e.error().where().line, 1) << what;
      EXPECT_GT(e.error().where().column, 1) << what;
    }
  }
}

TEST(PromqlDepthTest, ErrorPointsAtTheTokenThatCrossedTheLimit) {
  auto e = ParseExpr(Repeat("(", 10'000) + "1" + Repeat(")", 10'000));
  ASSERT_FALSE(e);
  // The parenthesis at column kDefaultMaxDepth + 1 is one level too many.
  EXPECT_EQ(e.error().where().column, kDefaultMaxDepth + 1) << e.error().ToString();
}

TEST(PromqlDepthTest, TheLimitIsConfigurable) {
  ParseOptions o;
  o.max_depth = 10;
  EXPECT_TRUE(ParseExpr(Repeat("(", 5) + "1" + Repeat(")", 5), o));
  auto e = ParseExpr(Repeat("(", 20) + "1" + Repeat(")", 20), o);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("nested deeper than 10 levels"), std::string::npos);
}

// Just under the limit, every construct parses and evaluates: the limit
// keeps the evaluator's recursion within the stack, and real queries work.
TEST(PromqlDepthTest, QueriesJustUnderTheLimitEvaluate) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Add(LabelSet({{"__name__", "up"}, {"job", "a"}}), {{0, 1}, {60'000, 1}}));
  int evaluated = 0;
  for (const auto& [what, q] : NestedQueries(kDefaultMaxDepth - 8)) {
    if (what == "duration arithmetic" || what == "duration chain") continue;  // not instant-valued
    // These count two levels a step: a subquery with its function, and a
    // right-associative operator (its turn of the loop and its operand).
    if (what == "offsets in subqueries" || what == "right-assoc power" || what == "mixed") continue;
    auto e = ParseExpr(q);
    ASSERT_TRUE(e) << what << ": " << e.error().ToString();
    auto r = InstantQuery(storage, **e, 60'000);
    EXPECT_TRUE(r || r.error().code() != ErrorCode::kInternal) << what;
    ++evaluated;
  }
  EXPECT_EQ(evaluated, 6);
  auto sub = ParseExpr(NestedQueries(kDefaultMaxDepth / 2 - 4)[7].second);
  ASSERT_TRUE(sub) << sub.error().ToString();
  EXPECT_TRUE(InstantQuery(storage, **sub, 60'000));
}

// The limit keeps the stack a query needs small: parsing past the limit and
// evaluating at it both fit in 1 MiB (what the HTTP server's threads have is
// 8 MiB). Run on a thread of exactly that stack, so that a change that makes
// the frames much larger fails here rather than crashing the server.
TEST(PromqlDepthTest, DeepestQueriesFitInAMebibyteOfStack) {
#if defined(__SANITIZE_ADDRESS__)
  constexpr size_t kStack = 8 << 20;  // sanitizer frames are several times larger
#else
  constexpr size_t kStack = 1 << 20;
#endif
  struct Work {
    int refused = 0, evaluated = 0;
    static void* Run(void* p) {
      auto* w = static_cast<Work*>(p);
      MemoryStorage storage;
      (void)storage.Add(LabelSet({{"__name__", "up"}}), {{0, 1}});
      for (const auto& [what, q] : NestedQueries(kDefaultMaxDepth + 1)) w->refused += !ParseExpr(q);
      for (const auto& [what, q] : NestedQueries(kDefaultMaxDepth - 2)) {
        if (what != "parentheses" && what != "function calls" && what != "left-assoc chain")
          continue;
        auto e = ParseExpr(q);
        if (e && InstantQuery(storage, **e, 0)) ++w->evaluated;
      }
      return nullptr;
    }
  } work;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, kStack), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, &Work::Run, &work), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(work.refused, static_cast<int>(NestedQueries(1).size()));
  EXPECT_EQ(work.evaluated, 3);
}

// A clock that moves one second each time it is read: a query's time limit
// runs out after a known number of checks, without sleeping.
class TickingClock final : public Clock {
 public:
  Timestamp Now() const override { return now_ += 1000; }
  void SleepUntil(Timestamp t) override { now_ = std::max(now_, t); }

 private:
  mutable Timestamp now_ = 0;
};

TEST(PromqlTimeoutTest, ALongSubqueryTimesOut) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Add(LabelSet({{"__name__", "up"}}), {{0, 1}}));
  // One year at 1 ms steps: 3e10 evaluations without a limit.
  auto e = ParseExpr("max_over_time(vector(1)[365d:1ms])");
  ASSERT_TRUE(e);
  TickingClock clock;
  QueryLimits limits;
  limits.timeout = std::chrono::seconds(30);
  auto r = InstantQuery(storage, **e, 0, OptionsWithin(limits, clock));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(r.error().message(), "query timed out in expression evaluation");
}

TEST(PromqlTimeoutTest, ARangeQueryTimesOutBetweenSteps) {
  MemoryStorage storage;
  auto e = ParseExpr("vector(1)");
  ASSERT_TRUE(e);
  TickingClock clock;
  QueryLimits limits;
  limits.timeout = std::chrono::seconds(10);
  auto r = RangeQuery(storage, **e, 0, 1'000'000'000, 1, OptionsWithin(limits, clock));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
}

TEST(PromqlTimeoutTest, ZeroTimeoutMeansNoLimit) {
  MemoryStorage storage;
  auto e = ParseExpr("max_over_time(vector(1)[1h:1s])");
  ASSERT_TRUE(e);
  TickingClock clock;
  QueryLimits limits;
  limits.timeout = std::chrono::milliseconds(0);
  EXPECT_TRUE(InstantQuery(storage, **e, 3'600'000, OptionsWithin(limits, clock)));
}

TEST(PromqlTimeoutTest, AStopRequestCancelsTheQuery) {
  MemoryStorage storage;
  auto e = ParseExpr("max_over_time(vector(1)[365d:1ms])");
  ASSERT_TRUE(e);
  std::stop_source stop;
  stop.request_stop();
  ManualClock clock;
  auto r = InstantQuery(storage, **e, 0, OptionsWithin(QueryLimits{}, clock, stop.get_token()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(r.error().message(), "query was canceled in expression evaluation");
}

TEST(PromqlSamplesTest, SubquerySamplesCountAgainstMaxSamples) {
  MemoryStorage storage;
  auto e = ParseExpr("max_over_time(vector(1)[1d:1s])");
  ASSERT_TRUE(e);
  ManualClock clock;
  QueryLimits limits;
  limits.max_samples = 1000;
  auto r = InstantQuery(storage, **e, 86'400'000, OptionsWithin(limits, clock));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTooLarge);
  EXPECT_NE(r.error().message().find("too many samples"), std::string::npos);
}

}  // namespace
}  // namespace fw::metrics::promql
