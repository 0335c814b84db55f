#include "metrics/promql/histogram_stats.h"

#include <algorithm>
#include <cmath>

#include "metrics/promql/range_functions.h"

namespace fw::metrics::promql {
namespace {

struct HBucket {
  double lower, upper, count;
};

// Every bucket from the lowest to the highest, the zero bucket between.
std::vector<HBucket> AllBuckets(const FloatHistogram& h) {
  std::vector<HBucket> out;
  if (!h.UsesCustomBuckets()) {
    for (auto it = h.negative.rbegin(); it != h.negative.rend(); ++it) {
      auto [lo, hi] = h.Bounds(it->first, true);
      out.push_back({lo, hi, it->second});
    }
    out.push_back({-h.zero_threshold, h.zero_threshold, h.zero_count});
  }
  for (const auto& [i, c] : h.positive) {
    auto [lo, hi] = h.Bounds(i, false);
    out.push_back({lo, hi, c});
  }
  return out;
}

// The zero bucket reaches only to the side that has buckets.
void NarrowZeroBucket(const FloatHistogram& h, HBucket& b) {
  if (h.UsesCustomBuckets() || !(b.lower <= 0 && b.upper >= 0)) return;
  if (h.negative.empty() && !h.positive.empty()) b.lower = 0;
  if (h.positive.empty() && !h.negative.empty()) b.upper = 0;
}

}  // namespace

double HistogramQuantile(double q, const FloatHistogram& h) {
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  if (h.count == 0 || std::isnan(q)) return NAN;
  const std::vector<HBucket> all = AllBuckets(h);
  const bool forward = std::isnan(h.sum) || q < 0.5;
  double rank = forward ? q * h.count : (1 - q) * h.count;
  double count = 0;
  HBucket b{0, 0, 0};
  bool any = false;
  for (size_t k = 0; k < all.size(); ++k) {
    const HBucket& x = all[forward ? k : all.size() - 1 - k];
    if (x.count == 0) continue;
    b = x, any = true;
    count += b.count;
    if (count >= rank) break;
  }
  if (!any) return NAN;  // only NaN observations
  NarrowZeroBucket(h, b);
  if (h.UsesCustomBuckets()) {
    if (std::isinf(b.lower) && b.lower < 0) {
      if (b.upper <= 0) return b.upper;
      b.lower = 0;
    } else if (std::isinf(b.upper)) {
      return b.lower;
    }
  }
  count = std::min(count, h.count);
  // The rank lies beyond the buckets: in NaN observations, or float noise.
  if (count < rank) return std::isnan(h.sum) ? NAN : b.upper;
  rank = forward ? rank - (count - b.count) : count - rank;
  const double fraction = rank / b.count;
  if (h.UsesCustomBuckets() || (b.lower <= 0 && b.upper >= 0))
    return b.lower + (b.upper - b.lower) * fraction;
  const double log_lo = std::log2(std::fabs(b.lower)), log_hi = std::log2(std::fabs(b.upper));
  if (b.lower > 0) return std::exp2(log_lo + (log_hi - log_lo) * fraction);
  return -std::exp2(log_hi + (log_lo - log_hi) * (1 - fraction));
}

double HistogramFraction(double lower, double upper, const FloatHistogram& h) {
  if (h.count == 0 || std::isnan(lower) || std::isnan(upper)) return NAN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (HBucket b : AllBuckets(h)) {
    const bool zero = !h.UsesCustomBuckets() && b.lower <= 0 && b.upper >= 0;
    NarrowZeroBucket(h, b);
    if (h.UsesCustomBuckets() && std::isinf(b.lower) && b.upper > 0) b.lower = 0;
    auto at = [&](double v) {
      // An unbounded bucket puts its observations at its finite bound.
      if (std::isinf(b.lower)) return rank + b.count;
      if (std::isinf(b.upper)) return rank;
      if (zero || h.UsesCustomBuckets())
        return rank + b.count * (v - b.lower) / (b.upper - b.lower);
      const double lo = std::log2(std::fabs(b.lower)), hi = std::log2(std::fabs(b.upper));
      const double lv = std::log2(std::fabs(v));
      if (v > 0) return rank + b.count * (lv - lo) / (hi - lo);
      return rank + b.count * (1 - (lv - hi) / (lo - hi));
    };
    if (!lower_set && b.lower >= lower) lower_rank = rank, lower_set = true;
    if (!upper_set && b.lower >= upper) upper_rank = rank, upper_set = true;
    if (lower_set && upper_set) break;
    if (!lower_set && b.lower < lower && b.upper > lower) lower_rank = at(lower), lower_set = true;
    if (!upper_set && b.lower < upper && b.upper > upper) upper_rank = at(upper), upper_set = true;
    if (lower_set && upper_set) break;
    rank += b.count;
  }
  // Bounds past every bucket take all bucketed observations (NaN ones, in
  // no bucket, count in no fraction).
  if (!lower_set) lower_rank = rank;
  if (!upper_set) upper_rank = rank;
  lower_rank = std::min(lower_rank, h.count);
  upper_rank = std::min(upper_rank, h.count);
  return (upper_rank - lower_rank) / h.count;
}

double HistogramVariance(const FloatHistogram& h) {
  if (h.count == 0) return NAN;
  const double mean = h.sum / h.count;
  KahanSum var;
  for (const HBucket& b : AllBuckets(h)) {
    if (b.count == 0) continue;
    double val;
    if (h.UsesCustomBuckets())
      val = (b.upper + b.lower) / 2;
    else if (b.lower <= 0 && b.upper >= 0)
      val = 0;
    else
      val = b.upper < 0 ? -std::sqrt(b.upper * b.lower) : std::sqrt(b.upper * b.lower);
    const double delta = val - mean;
    var.Add(b.count * delta * delta);
  }
  return var.value() / h.count;
}

FloatHistogram FromClassicBuckets(std::vector<Bucket> b) {
  std::sort(b.begin(), b.end(),
            [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; });
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  double prev = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i + 1 < b.size() && b[i + 1].upper_bound == b[i].upper_bound) continue;
    if (!std::isinf(b[i].upper_bound)) h.custom_values.push_back(b[i].upper_bound);
    const double c = std::max(b[i].count, prev);
    h.positive.emplace_back(static_cast<int32_t>(h.positive.size()), c - prev);
    prev = c;
  }
  h.count = prev;
  if (b.empty() || !std::isinf(b.back().upper_bound)) h.count = NAN;
  return h;
}

}  // namespace fw::metrics::promql
