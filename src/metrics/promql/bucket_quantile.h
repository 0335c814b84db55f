#pragma once
// histogram_quantile over classic histograms: the `le` buckets of one
// series group at one instant, as Prometheus 3 computes it — sorted by bound,
// equal bounds merged, counts forced monotonic (tiny float noise silently,
// real decreases with an annotation), linear interpolation inside a bucket,
// the lowest bucket starting at 0 unless its bound is <= 0.

#include <vector>

namespace fw::metrics::promql {

struct Bucket {
  double upper_bound;
  double count;  // cumulative
};

struct BucketQuantileResult {
  double value;
  bool forced_monotonic = false;  // counts decreased somewhere: worth a warning
  bool fixed_precision = false;   // counts differed only by float noise
};

// q in [0, 1]; outside gives -Inf/+Inf, NaN q gives NaN. NaN also when the
// highest bound is not +Inf, fewer than two buckets remain, or there are no
// observations.
BucketQuantileResult BucketQuantile(double q, std::vector<Bucket> buckets);

// Prometheus's float comparison (util/almost): equal within a relative
// epsilon, with NaN equal to NaN.
bool AlmostEqual(double a, double b, double epsilon);

}  // namespace fw::metrics::promql
