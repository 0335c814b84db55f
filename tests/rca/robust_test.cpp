// Robust scoring and change-point detection on synthetic series.

#include "rca/robust.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fw::rca {
namespace {

constexpr Timestamp kStep = 15'000;

struct Synth {
  std::vector<Timestamp> t;
  std::vector<double> v;
};

// A noisy flat series (deterministic "noise") that changes at `at` by `shift`,
// or ramps by `slope` per sample from there.
Synth Make(size_t n, size_t at, double level, double shift, double slope = 0) {
  Synth s;
  for (size_t i = 0; i < n; ++i) {
    const double noise = 0.5 * std::sin(static_cast<double>(i) * 1.7);
    double x = level + noise;
    if (i >= at) x += shift + slope * static_cast<double>(i - at);
    s.t.push_back(static_cast<Timestamp>(i) * kStep);
    s.v.push_back(x);
  }
  return s;
}

TEST(RobustTest, MedianAndIqrIgnoreOutliers) {
  EXPECT_DOUBLE_EQ(Median({1, 2, 3, 4, 1000}), 3);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({0, 10}, 0.25), 2.5);
  EXPECT_DOUBLE_EQ(Iqr({1, 2, 3, 4, 5, 1e9}), Quantile({1, 2, 3, 4, 5, 1e9}, 0.75) - 2.25);
  EXPECT_LT(Iqr({1, 2, 3, 4, 5, 1e9}), 10);
}

TEST(RobustTest, ChangePointFindsAStep) {
  const Synth s = Make(80, 50, 10, 20);
  const size_t k = ChangePoint(s.v);
  EXPECT_GE(k, 48u);
  EXPECT_LE(k, 52u);
  EXPECT_EQ(ChangePoint({1, 2, 3}), 0u);  // too short for two segments
}

TEST(RobustTest, StepUpScoresHighAndDatesTheMove) {
  const Synth s = Make(80, 50, 10, 20);
  const RobustScore r = ScoreSeries(s.t, s.v, {.baseline_end = 60 * kStep});
  EXPECT_NEAR(r.baseline, 10, 0.5);
  EXPECT_GT(r.z, 10);
  EXPECT_TRUE(r.rose());
  EXPECT_EQ(r.first_moved, 50 * kStep);
}

TEST(RobustTest, DropsScoreNegative) {
  const Synth s = Make(80, 40, 100, -60);
  const RobustScore r = ScoreSeries(s.t, s.v, {.baseline_end = 70 * kStep});
  EXPECT_LT(r.z, -10);
  EXPECT_FALSE(r.rose());
  EXPECT_EQ(r.first_moved, 40 * kStep);
  EXPECT_NEAR(r.current, 40, 1);
}

TEST(RobustTest, RampIsDatedNearItsStartNotAtTheEnd) {
  const Synth s = Make(100, 40, 10, 0, 0.5);  // a leak: +0.5 per sample
  const RobustScore r = ScoreSeries(s.t, s.v, {.baseline_end = 100 * kStep});
  EXPECT_GT(r.z, 10);
  ASSERT_GT(r.first_moved, 0);
  EXPECT_GE(r.first_moved, 40 * kStep);
  EXPECT_LE(r.first_moved, 50 * kStep);
}

TEST(RobustTest, QuietSeriesDoesNotMove) {
  const Synth s = Make(80, 80, 10, 0);
  const RobustScore r = ScoreSeries(s.t, s.v, {.baseline_end = 60 * kStep});
  EXPECT_LT(std::abs(r.z), 4);
  EXPECT_EQ(r.first_moved, 0);
}

TEST(RobustTest, SingleSpikeIsNotAMove) {
  Synth s = Make(80, 80, 10, 0);
  s.v[70] = 500;
  const RobustScore r = ScoreSeries(s.t, s.v, {.baseline_end = 60 * kStep});
  EXPECT_EQ(r.first_moved, 0);
  EXPECT_LT(std::abs(r.z), 4);
}

TEST(RobustTest, FlatBaselineUsesTheFloor) {
  // A constant gauge that jumps: the IQR is zero, the floor keeps z finite.
  std::vector<Timestamp> t;
  std::vector<double> v;
  for (int i = 0; i < 40; ++i) {
    t.push_back(i * kStep);
    v.push_back(i < 30 ? 0 : 5);
  }
  const RobustScore r = ScoreSeries(t, v, {.baseline_end = 30 * kStep, .abs_floor = 0.5});
  EXPECT_DOUBLE_EQ(r.scale, 0.5);
  EXPECT_DOUBLE_EQ(r.z, 10);
}

TEST(RobustTest, CounterRatesHandleResets) {
  const std::vector<Timestamp> t = {0, 10'000, 20'000, 30'000};
  const auto r = CounterRates(t, {100, 200, 50, 150});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0], 10);
  EXPECT_DOUBLE_EQ(r[1], 5);  // reset: counts from zero
  EXPECT_DOUBLE_EQ(r[2], 10);
}

TEST(RobustTest, ShortSeriesScoreZero) {
  const RobustScore r = ScoreSeries({0, 1}, {1, 100}, {});
  EXPECT_EQ(r.z, 0);
  EXPECT_EQ(r.first_moved, 0);
}

}  // namespace
}  // namespace fw::rca
