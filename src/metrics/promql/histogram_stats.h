#pragma once
// Statistics of one native histogram, as Prometheus 3 estimates them:
// quantiles and fractions interpolate inside a bucket (log-linearly in
// exponential buckets, linearly in custom ones and the zero bucket);
// variance takes each bucket's observations at its (geometric) midpoint.
// Classic `le` buckets are converted to custom-bucket histograms first.

#include <vector>

#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/histogram.h"

namespace fw::metrics::promql {

// histogram_quantile: -Inf below 0, +Inf above 1, NaN without observations.
double HistogramQuantile(double q, const FloatHistogram& h);
// histogram_fraction: the share of observations in [lower, upper].
double HistogramFraction(double lower, double upper, const FloatHistogram& h);
// histogram_stdvar (histogram_stddev is its square root).
double HistogramVariance(const FloatHistogram& h);
// Cumulative `le` buckets as a custom-bucket histogram: equal bounds merge,
// decreases are flattened; count is NaN without a +Inf bucket.
FloatHistogram FromClassicBuckets(std::vector<Bucket> b);

}  // namespace fw::metrics::promql
