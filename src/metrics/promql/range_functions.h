#pragma once
// The numeric cores of PromQL's range-vector functions, on the float samples
// of one series inside one window, with Prometheus 3 semantics (Kahan-
// Neumaier summation, counter-reset handling, rate extrapolation). The
// engine selects the window's samples (left-open: start < t <= end) and
// calls these; they know nothing about labels or the AST.
//
// Functions returning std::optional yield nullopt when Prometheus drops the
// series from the result (too few samples).

#include <optional>
#include <span>
#include <vector>

#include "metrics/model.h"

namespace fw::metrics::promql {

// Adds `inc` to a compensated sum (sum, c). Returns the new pair.
struct KahanSum {
  double sum = 0;
  double c = 0;
  void Add(double inc);
  double value() const { return sum + c; }
};

// rate (is_counter, is_rate), increase (is_counter), delta (neither), with
// extrapolation to the window edges. range_start/range_end are the window's
// edges in ms (after offset). Needs at least two samples.
std::optional<double> ExtrapolatedRate(std::span<const Sample> s, Timestamp range_start,
                                       Timestamp range_end, bool is_counter, bool is_rate);

// irate (is_rate) and idelta: from the last two samples.
std::optional<double> InstantRate(std::span<const Sample> s, bool is_rate);

// The *_over_time family. REQUIRES: !s.empty().
double SumOverTime(std::span<const Sample> s);
double AvgOverTime(std::span<const Sample> s);
double MinOverTime(std::span<const Sample> s);  // NaN only if every value is NaN
double MaxOverTime(std::span<const Sample> s);
double StddevOverTime(std::span<const Sample> s);
double StdvarOverTime(std::span<const Sample> s);
double QuantileOverTime(double phi, std::span<const Sample> s);
double MadOverTime(std::span<const Sample> s);
double Changes(std::span<const Sample> s);
double Resets(std::span<const Sample> s);

// deriv and predict_linear: least-squares slope (per second). Need at least
// two samples. predict_linear extrapolates `seconds` past `at` (ms).
std::optional<double> Deriv(std::span<const Sample> s);
std::optional<double> PredictLinear(std::span<const Sample> s, double seconds, Timestamp at);

// double_exponential_smoothing(v, sf, tf). REQUIRES: 0 < sf < 1, 0 < tf < 1
// (the engine reports an error otherwise). Needs at least two samples.
std::optional<double> DoubleExponentialSmoothing(std::span<const Sample> s, double sf, double tf);

// The φ-quantile of values, interpolating between neighbours, as the
// quantile aggregation does: NaN for no values or φ NaN, -Inf for φ < 0,
// +Inf for φ > 1. Sorts `values` in place (NaNs first).
double Quantile(double phi, std::vector<double>& values);

}  // namespace fw::metrics::promql
