// A range query must equal the instant queries at each of its steps. Range
// queries take the engine's all-steps paths (one pass per series, fused
// sum/count) where instant queries never do, so this pins those paths to
// the per-step evaluator on awkward data: counter resets, gaps longer than
// the lookback, staleness markers, series starting and ending mid-query.

#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <random>

#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"
#include "metrics/promql/storage.h"

namespace fw::metrics::promql {
namespace {

constexpr Timestamp kSecond = 1000;

MemoryStorage AwkwardData() {
  MemoryStorage storage;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int inst = 0; inst < 6; ++inst) {
    for (int route = 0; route < 3; ++route) {
      std::vector<Sample> counter, gauge;
      double c = unit(rng) * 100;
      const Timestamp begin = (inst == 4 ? 900 : 0) * kSecond;       // starts late
      const Timestamp finish = (inst == 5 ? 1200 : 3600) * kSecond;  // ends early
      for (Timestamp t = begin; t <= finish; t += (10 + (route * 7 + inst) % 13) * kSecond) {
        if (t > 1500 * kSecond && t < 1900 * kSecond && inst == 2) continue;  // a gap
        c += unit(rng) * 20;
        if (unit(rng) < 0.02) c = unit(rng) * 5;  // counter reset
        const bool stale = inst == 3 && t > 2400 * kSecond && t < 2500 * kSecond;
        counter.push_back({t, stale ? StaleNaN() : c});
        gauge.push_back({t, stale ? StaleNaN() : unit(rng) * 50 - 10});
      }
      const std::string i = "i" + std::to_string(inst), r = "/r" + std::to_string(route);
      EXPECT_TRUE(storage.Add({{"__name__", "req_total"}, {"inst", i}, {"route", r}}, counter));
      EXPECT_TRUE(storage.Add({{"__name__", "temp"}, {"inst", i}, {"route", r}}, gauge));
    }
  }
  return storage;
}

std::string Key(const LabelSet& l) { return l.ToString(); }

class RangeStepsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RangeStepsTest, RangeQueryEqualsInstantQueriesAtEachStep) {
  static const MemoryStorage storage = AwkwardData();
  const Timestamp start = 60 * kSecond, end = 3600 * kSecond, step = 45 * kSecond;
  auto range_expr = ParseExpr(GetParam());
  ASSERT_TRUE(range_expr) << range_expr.error().message();
  auto range = RangeQuery(storage, **range_expr, start, end, step);
  ASSERT_TRUE(range) << range.error().message();
  // Range results by step time, then by series.
  std::map<Timestamp, std::map<std::string, double>> by_step;
  for (const MatrixSeries& s : range->value.matrix) {
    for (const Sample& x : s.samples) by_step[x.t][Key(s.labels)] = x.v;
  }
  for (Timestamp t = start; t <= end; t += step) {
    auto instant_expr = ParseExpr(GetParam());
    auto instant = InstantQuery(storage, **instant_expr, t);
    ASSERT_TRUE(instant) << instant.error().message();
    std::map<std::string, double> want;
    if (instant->value.type == ValueType::kScalar) {
      want["{}"] = instant->value.scalar;
    } else {
      for (const VectorElement& e : instant->value.vector) want[Key(e.labels)] = e.v;
    }
    const auto& got = by_step[t];
    ASSERT_EQ(got.size(), want.size()) << "at t=" << t / kSecond << "s";
    for (const auto& [key, v] : want) {
      auto it = got.find(key);
      ASSERT_NE(it, got.end()) << key << " missing at t=" << t / kSecond << "s";
      EXPECT_EQ(std::bit_cast<uint64_t>(it->second), std::bit_cast<uint64_t>(v))
          << key << " at t=" << t / kSecond << "s: range " << it->second << ", instant " << v;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Expressions, RangeStepsTest,
    ::testing::Values(
        "rate(req_total[2m])", "increase(req_total[5m])", "delta(temp[3m])", "irate(req_total[1m])",
        "idelta(temp[2m])", "deriv(temp[4m])", "resets(req_total[10m])", "changes(temp[5m])",
        "sum_over_time(temp[2m])", "avg_over_time(temp[2m])", "min_over_time(temp[2m])",
        "max_over_time(temp[2m])", "stddev_over_time(temp[3m])", "count_over_time(temp[1m])",
        "last_over_time(temp[3m])", "ts_of_max_over_time(temp[3m])",
        "present_over_time(req_total[30s])", "sum by (route) (rate(req_total[2m]))",
        "sum(rate(req_total[2m]))", "count without (inst) (rate(req_total[90s]))",
        "sum by (__name__) (last_over_time(temp[3m]))",
        "count by (__name__, route) (first_over_time(temp[1m]))",
        "sum(rate(req_total[2m] offset 3m))", "sum by (inst) (rate(req_total[5m] @ 1800))",
        "sum(rate(req_total[2m])) / count(rate(req_total[2m]))",
        "sum by (route) ((rate(req_total[2m])))",
        "sum(sum_over_time(temp[2m])) + sum(rate(req_total[2m]))",
        "max_over_time(sum(rate(req_total[1m]))[5m:45s])",
        "sum_over_time(rate(req_total[1m])[3m:15s])", "rate(req_total[2m]) > 0.5",
        "topk(2, rate(req_total[2m]))", "avg by (route) (rate(req_total[2m]))"));

}  // namespace
}  // namespace fw::metrics::promql
