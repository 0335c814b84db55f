#include "metrics/promql/range_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fw::metrics::promql {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Seconds(Timestamp ms) { return static_cast<double>(ms) / 1000.0; }

// Least squares over (t - intercept_time, v); a constant series has slope 0.
std::pair<double, double> LinearRegression(std::span<const Sample> s, Timestamp intercept_time) {
  KahanSum x, y, xy, x2;
  double n = 0;
  bool constant = true;
  const double first = s[0].v;
  for (const Sample& p : s) {
    if (p.v != first) constant = false;
    n += 1;
    const double dx = Seconds(p.t - intercept_time);
    x.Add(dx);
    y.Add(p.v);
    xy.Add(dx * p.v);
    x2.Add(dx * dx);
  }
  if (constant) {
    if (std::isinf(first)) return {kNaN, kNaN};
    return {0, first};
  }
  const double sx = x.value(), sy = y.value();
  const double cov = xy.value() - sx * sy / n;
  const double var = x2.value() - sx * sx / n;
  const double slope = cov / var;
  return {slope, sy / n - slope * sx / n};
}

}  // namespace

void KahanSum::Add(double inc) {
  const double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;  // Neumaier: the larger term goes first
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

std::optional<double> ExtrapolatedRate(std::span<const Sample> s, Timestamp range_start,
                                       Timestamp range_end, bool is_counter, bool is_rate) {
  if (s.size() < 2) return std::nullopt;
  const Sample& first = s.front();
  const Sample& last = s.back();
  double result = last.v - first.v;
  if (is_counter) {
    // A drop is a reset: the counter restarted from zero, so add what it had.
    double prev = first.v;
    for (const Sample& p : s.subspan(1)) {
      if (p.v < prev) result += prev;
      prev = p.v;
    }
  }
  double to_start = Seconds(first.t - range_start);
  double to_end = Seconds(range_end - last.t);
  const double sampled = Seconds(last.t - first.t);
  const double avg_gap = sampled / static_cast<double>(s.size() - 1);
  // Extrapolate to an edge only if a sample could be expected there; else
  // assume the series starts or ends half a gap beyond its samples.
  const double threshold = avg_gap * 1.1;
  if (to_start >= threshold) to_start = avg_gap / 2;
  if (is_counter && result > 0 && first.v >= 0) {
    // A counter is never negative: do not extrapolate below zero.
    const double to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_gap / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= Seconds(range_end - range_start);
  return result * factor;
}

std::optional<double> InstantRate(std::span<const Sample> s, bool is_rate) {
  if (s.size() < 2) return std::nullopt;
  const Sample& last = s[s.size() - 1];
  const Sample& prev = s[s.size() - 2];
  double v = (is_rate && last.v < prev.v) ? last.v : last.v - prev.v;
  const Timestamp gap = last.t - prev.t;
  if (gap == 0) return std::nullopt;
  if (is_rate) v /= Seconds(gap);
  return v;
}

double SumOverTime(std::span<const Sample> s) {
  KahanSum k;
  for (const Sample& p : s) k.Add(p.v);
  return k.value();
}

double AvgOverTime(std::span<const Sample> s) {
  // A plain compensated sum, switching to an incremental mean only when the
  // sum would overflow to infinity.
  KahanSum sum;
  double count = 0, mean = 0, c = 0;
  bool incremental = false;
  for (const Sample& p : s) {
    count += 1;
    if (!incremental) {
      KahanSum next = sum;
      next.Add(p.v);
      if (count == 1 || !std::isinf(next.sum)) {
        sum = next;
        continue;
      }
      incremental = true;
      mean = sum.sum / (count - 1);
      c = sum.c / (count - 1);
    }
    if (std::isinf(mean)) {
      if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
      if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
    }
    const double corrected = mean + c;
    KahanSum m{mean, c};
    m.Add(p.v / count - corrected / count);
    mean = m.sum;
    c = m.c;
  }
  if (incremental) return mean + c;
  return sum.value() / count;
}

double MinOverTime(std::span<const Sample> s) {
  double m = s[0].v;
  for (const Sample& p : s) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  return m;
}

double MaxOverTime(std::span<const Sample> s) {
  double m = s[0].v;
  for (const Sample& p : s) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  return m;
}

double StdvarOverTime(std::span<const Sample> s) {
  double count = 0;
  KahanSum mean, aux;
  for (const Sample& p : s) {
    count += 1;
    const double delta = p.v - mean.value();
    mean.Add(delta / count);
    aux.Add(delta * (p.v - mean.value()));
  }
  return aux.value() / count;
}

double StddevOverTime(std::span<const Sample> s) { return std::sqrt(StdvarOverTime(s)); }

double Quantile(double phi, std::vector<double>& values) {
  if (values.empty() || std::isnan(phi)) return kNaN;
  if (phi < 0) return -std::numeric_limits<double>::infinity();
  if (phi > 1) return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = phi * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

double QuantileOverTime(double phi, std::span<const Sample> s) {
  std::vector<double> v;
  v.reserve(s.size());
  for (const Sample& p : s) v.push_back(p.v);
  return Quantile(phi, v);
}

double MadOverTime(std::span<const Sample> s) {
  for (const Sample& p : s) {
    if (std::isnan(p.v)) return kNaN;  // a NaN poisons the median, as in Prometheus
  }
  std::vector<double> v;
  v.reserve(s.size());
  for (const Sample& p : s) v.push_back(p.v);
  const double median = Quantile(0.5, v);
  for (double& x : v) x = std::fabs(x - median);
  return Quantile(0.5, v);
}

double Changes(std::span<const Sample> s) {
  double n = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const double prev = s[i - 1].v, cur = s[i].v;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) n += 1;
  }
  return n;
}

double Resets(std::span<const Sample> s) {
  double n = 0;
  for (size_t i = 1; i < s.size(); ++i) n += s[i].v < s[i - 1].v;
  return n;
}

std::optional<double> Deriv(std::span<const Sample> s) {
  if (s.size() < 2) return std::nullopt;
  return LinearRegression(s, s[0].t).first;
}

std::optional<double> PredictLinear(std::span<const Sample> s, double seconds, Timestamp at) {
  if (s.size() < 2) return std::nullopt;
  const auto [slope, intercept] = LinearRegression(s, at);
  return slope * seconds + intercept;
}

std::optional<double> DoubleExponentialSmoothing(std::span<const Sample> s, double sf, double tf) {
  if (s.size() < 2) return std::nullopt;
  double s0 = 0, s1 = s[0].v, trend = s[1].v - s[0].v;
  for (size_t i = 1; i < s.size(); ++i) {
    if (i > 1) trend = tf * (s1 - s0) + (1 - tf) * trend;
    const double next = sf * s[i].v + (1 - sf) * (s1 + trend);
    s0 = s1;
    s1 = next;
  }
  return s1;
}

}  // namespace fw::metrics::promql
