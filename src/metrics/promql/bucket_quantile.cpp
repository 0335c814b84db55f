#include "metrics/promql/bucket_quantile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fw::metrics::promql {
namespace {

constexpr double kSmallDeltaTolerance = 1e-12;

void Coalesce(std::vector<Bucket>& b) {
  size_t out = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (out > 0 && b[out - 1].upper_bound == b[i].upper_bound) {
      b[out - 1].count += b[i].count;
    } else {
      b[out++] = b[i];
    }
  }
  b.resize(out);
}

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

BucketQuantileResult BucketQuantile(double q, std::vector<Bucket> b) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (std::isnan(q)) return {kNaN};
  if (q < 0) return {-kInf};
  if (q > 1) return {kInf};
  if (b.empty()) return {kNaN};
  std::sort(b.begin(), b.end(),
            [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; });
  if (!(std::isinf(b.back().upper_bound) && b.back().upper_bound > 0)) return {kNaN};
  Coalesce(b);
  BucketQuantileResult r{0};
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    const double cur = b[i].count;
    if (cur == prev) continue;
    if (AlmostEqual(prev, cur, kSmallDeltaTolerance)) {
      b[i].count = prev;  // float noise from summing rates: ignore it
      r.fixed_precision = true;
      continue;
    }
    if (cur < prev) {
      b[i].count = prev;
      r.forced_monotonic = true;
      continue;
    }
    prev = cur;
  }
  if (b.size() < 2) return {kNaN, r.forced_monotonic, r.fixed_precision};
  const double observations = b.back().count;
  if (observations == 0) return {kNaN, r.forced_monotonic, r.fixed_precision};
  double rank = q * observations;
  // First bucket (excluding +Inf) whose count reaches the rank.
  size_t i = 0;
  while (i < b.size() - 1 && b[i].count < rank) ++i;
  if (i == b.size() - 1) {
    r.value = b[b.size() - 2].upper_bound;
    return r;
  }
  if (i == 0 && b[0].upper_bound <= 0) {
    r.value = b[0].upper_bound;
    return r;
  }
  double start = 0, count = b[i].count;
  if (i > 0) {
    start = b[i - 1].upper_bound;
    count -= b[i - 1].count;
    rank -= b[i - 1].count;
  }
  r.value = start + (b[i].upper_bound - start) * (rank / count);
  return r;
}

}  // namespace fw::metrics::promql
