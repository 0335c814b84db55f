#pragma once
// Robust statistics for root-cause analysis, BARO-style: a series is judged
// against its own baseline by median and inter-quartile range (outliers in
// the baseline do not move them), the baseline ends where a change-point
// search says the series changed, and the signal's start is the first
// sample that left the baseline and mostly stayed out. Works for series that
// rise and for series that drop. Pure functions over plain vectors.

#include <cstddef>
#include <vector>

#include "common/clock.h"

namespace fw::rca {

// REQUIRES for all: v non-empty unless stated. Quantile q in [0, 1],
// linear interpolation between order statistics.
double Median(std::vector<double> v);
double Quantile(std::vector<double> v, double q);
// Q3 - Q1.
double Iqr(const std::vector<double>& v);

// The index k in [min_segment, n - min_segment] that best splits `v` into two
// segments of different mean (CUSUM statistic |S_k| / sqrt(k (n-k) / n)),
// or 0 when `v` is too short for two segments.
size_t ChangePoint(const std::vector<double>& v, size_t min_segment = 4);

struct RobustScore {
  double baseline = 0;  // median of the baseline segment
  double scale = 0;     // IQR / 1.349 (a standard deviation for normal data), floored
  double current = 0;   // median of the last few samples
  double extreme = 0;   // the sample furthest from the baseline after it moved
  double z = 0;         // (current - baseline) / scale, signed
  size_t change_index = 0;
  Timestamp first_moved = 0;  // 0: never left the baseline
  // When the excursion that crossed the threshold began: the first sample
  // past one scale after the last calm one. For a ramp (a leak) it is where
  // the climb started, well before it crossed the threshold.
  Timestamp drift_start = 0;
  // The highest sample since the baseline, in scales above it, and when the
  // series first went past the threshold upwards, even if it came back (a
  // heap that OOM kills keep resetting). 0 = never.
  double peak_z = 0;
  Timestamp crossed = 0;
  // The whole window's direction: Spearman's rank correlation of the
  // samples with time (+1 = rose at every step) and how far the last
  // quarter's median lies above the first quarter's. A leak that began
  // before the window has no baseline to leave, only this climb.
  double trend = 0, rise = 0;
  Timestamp first_sample = 0;
  bool rose() const { return z > 0; }
};

struct ScoreOptions {
  // Samples at t < baseline_end may form the baseline (the onset, usually).
  Timestamp baseline_end = 0;
  // Beyond this many scales from the baseline a sample has "moved".
  double threshold = 4;
  // The floor of `scale`: max(abs_floor, rel_floor * |baseline|). Keeps a
  // flat baseline (a constant gauge) from turning noise into infinite scores.
  double abs_floor = 1e-9;
  double rel_floor = 0.02;
  size_t recent = 4;  // samples whose median is `current`
};

// Scores one series. `t` and `v` have equal length and ascending `t`.
// Series with fewer than 3 samples score 0.
RobustScore ScoreSeries(const std::vector<Timestamp>& t, const std::vector<double>& v,
                        const ScoreOptions& options);

// Spearman's rank correlation of `v` with its index, in [-1, 1]; 0 for
// fewer than 3 values or a constant series.
double RankTrend(const std::vector<double>& v);

// Per-second rates of a counter between consecutive samples; a decrease is a
// reset (the process restarted) and counts from zero, as PromQL's rate does.
// The result has one element less than the input (its times: the later sample's).
std::vector<double> CounterRates(const std::vector<Timestamp>& t, const std::vector<double>& v);

}  // namespace fw::rca
