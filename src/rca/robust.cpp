#include "rca/robust.h"

#include <algorithm>
#include <cmath>

namespace fw::rca {

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double Median(std::vector<double> v) { return Quantile(std::move(v), 0.5); }

double Iqr(const std::vector<double>& v) { return Quantile(v, 0.75) - Quantile(v, 0.25); }

size_t ChangePoint(const std::vector<double>& v, size_t min_segment) {
  const size_t n = v.size();
  if (min_segment == 0) min_segment = 1;
  if (n < 2 * min_segment) return 0;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(n);
  double s = 0, best = -1;
  size_t best_k = 0;
  for (size_t k = 1; k < n; ++k) {
    s += v[k - 1] - mean;
    if (k < min_segment || n - k < min_segment) continue;
    const double kk = static_cast<double>(k), nn = static_cast<double>(n);
    const double stat = std::abs(s) / std::sqrt(kk * (nn - kk) / nn);
    if (stat > best) {
      best = stat;
      best_k = k;
    }
  }
  return best_k;
}

namespace {

// The first index from which the series is beyond the threshold in the
// direction `dir` and stays there for most of the remaining samples.
size_t FirstPersistentExcursion(const std::vector<double>& dev, int dir, double threshold) {
  const size_t n = dev.size();
  std::vector<int> beyond_suffix(n + 1, 0);
  for (size_t i = n; i-- > 0;) {
    beyond_suffix[i] = beyond_suffix[i + 1] + (dev[i] * dir > threshold ? 1 : 0);
  }
  for (size_t i = 0; i < n; ++i) {
    if (dev[i] * dir <= threshold) continue;
    const double share = static_cast<double>(beyond_suffix[i]) / static_cast<double>(n - i);
    if (share >= 0.7) return i;
  }
  return n;
}

double Scale(const std::vector<double>& v, const ScoreOptions& o) {
  const double m = Median(v);
  return std::max(Iqr(v) / 1.349, std::max(o.abs_floor, o.rel_floor * std::abs(m)));
}

// A ramp (a leak) puts the best single split in its middle, leaving its
// start in the baseline. Binary segmentation: while the baseline itself
// splits into parts whose medians differ by more than 3 scales, keep the
// earlier part.
size_t RefineBaselineEnd(const std::vector<double>& v, size_t end, const ScoreOptions& o) {
  for (int round = 0; round < 4 && end >= 8; ++round) {
    const std::vector<double> head(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(end));
    const size_t k = ChangePoint(head);
    if (k < 4) break;
    const std::vector<double> left(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(k));
    const std::vector<double> right(head.begin() + static_cast<std::ptrdiff_t>(k), head.end());
    if (std::abs(Median(right) - Median(left)) <= 3 * Scale(left, o)) break;
    end = k;
  }
  return end;
}

}  // namespace

RobustScore ScoreSeries(const std::vector<Timestamp>& t, const std::vector<double>& v,
                        const ScoreOptions& o) {
  RobustScore r;
  const size_t n = std::min(t.size(), v.size());
  if (n < 3) return r;
  // The baseline is what came before the series changed, and before onset.
  size_t pre_onset = 0;
  while (pre_onset < n && t[pre_onset] < o.baseline_end) ++pre_onset;
  if (pre_onset < 3) pre_onset = std::min<size_t>(n, 3);
  std::vector<double> head(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
  size_t k = ChangePoint(head);
  r.change_index = k;
  size_t base_end = (k >= 3 && k < pre_onset) ? k : pre_onset;
  base_end = RefineBaselineEnd(v, base_end, o);
  std::vector<double> base(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(base_end));
  r.baseline = Median(base);
  const double floor = std::max(o.abs_floor, o.rel_floor * std::abs(r.baseline));
  r.scale = std::max(Iqr(base) / 1.349, floor);
  const size_t recent = std::min(std::max<size_t>(o.recent, 1), n);
  r.current = Median(std::vector<double>(v.end() - static_cast<std::ptrdiff_t>(recent), v.end()));
  r.z = (r.current - r.baseline) / r.scale;
  r.trend = RankTrend(std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)));
  const size_t quarter = std::max<size_t>(1, n / 4);
  r.rise = Median(std::vector<double>(v.end() - static_cast<std::ptrdiff_t>(quarter), v.end())) -
           Median(std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(quarter)));
  r.first_sample = t[0];
  const int dir = r.z >= 0 ? 1 : -1;
  std::vector<double> dev(n);
  for (size_t i = 0; i < n; ++i) dev[i] = (v[i] - r.baseline) / r.scale;
  const size_t first = FirstPersistentExcursion(dev, dir, o.threshold);
  for (size_t i = base_end; i < n; ++i) {
    r.peak_z = std::max(r.peak_z, dev[i]);
    // Crossed: three samples in a row past the threshold, not one spike.
    if (!r.crossed && i + 2 < n && dev[i] >= o.threshold && dev[i + 1] >= o.threshold &&
        dev[i + 2] >= o.threshold) {
      r.crossed = t[i];
      size_t start = i;
      while (start > base_end && dev[start - 1] > 0) --start;
      if (!r.first_moved && !r.drift_start) r.drift_start = t[start];
    }
  }
  r.extreme = r.current;
  if (first < n) {
    r.first_moved = t[first];
    size_t start = first;
    while (start > 0 && dev[start - 1] * dir > 1) --start;
    r.drift_start = t[start];
    for (size_t i = first; i < n; ++i) {
      if ((v[i] - r.baseline) * dir > (r.extreme - r.baseline) * dir) r.extreme = v[i];
    }
  }
  return r;
}

double RankTrend(const std::vector<double>& v) {
  const size_t n = v.size();
  if (n < 3) return 0;
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  // Ranks with ties averaged, then Pearson's correlation of ranks with time.
  std::vector<double> rank(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
    const double r = (static_cast<double>(i) + static_cast<double>(j)) / 2;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  const double mean = (static_cast<double>(n) - 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i) - mean, y = rank[i] - mean;
    sxy += x * y, sxx += x * x, syy += y * y;
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
}

std::vector<double> CounterRates(const std::vector<Timestamp>& t, const std::vector<double>& v) {
  std::vector<double> out;
  const size_t n = std::min(t.size(), v.size());
  for (size_t i = 1; i < n; ++i) {
    const double dt = static_cast<double>(t[i] - t[i - 1]) / 1000.0;
    const double inc = v[i] >= v[i - 1] ? v[i] - v[i - 1] : v[i];
    out.push_back(dt > 0 ? inc / dt : 0);
  }
  return out;
}

}  // namespace fw::rca
