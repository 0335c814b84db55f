#pragma once
// Float native histograms as PromQL sees them (Prometheus's FloatHistogram):
// exponential buckets of a schema (-4..8), or custom bounds (schema -53,
// "NHCB"). Buckets are kept sparse, as (index, count) pairs sorted by index,
// rather than as spans; empty buckets are not kept.
//
// Exponential bucket i covers (base^(i-1), base^i] with base = 2^(2^-schema)
// (negative buckets mirror it); custom bucket i covers (bounds[i-1],
// bounds[i]], with -Inf and +Inf at the ends.
//
//   auto h = ParseHistogram("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}");
//   h->Add(*h);  // doubles every count

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "metrics/model.h"

namespace fw::metrics::promql {

constexpr int32_t kCustomBucketsSchema = -53;

struct FloatHistogram {
  enum class Hint { kUnknown, kReset, kNotReset, kGauge };
  using Buckets = std::vector<std::pair<int32_t, double>>;

  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  Buckets positive, negative;
  std::vector<double> custom_values;  // upper bounds; schema -53 only
  Hint hint = Hint::kUnknown;

  bool UsesCustomBuckets() const { return schema == kCustomBucketsSchema; }
  // Adds (or subtracts) `o`, reducing to the coarser schema and wider zero
  // bucket. Custom bounds that differ are reconciled to the bounds both
  // share (*reconciled is then set). False, leaving *this unspecified, for
  // custom buckets against exponential ones.
  bool Add(const FloatHistogram& o, double sign = 1, bool* reconciled = nullptr);
  void Scale(double f);  // every count and the sum
  // Is this a counter that went down against `prev` (a counter reset)?
  bool DetectReset(const FloatHistogram& prev) const;
  // Drops zero-count buckets.
  void Compact();
  // Lower and upper bound of bucket `index` (positive side, or negative).
  std::pair<double, double> Bounds(int32_t index, bool negative) const;
  // Go's FloatHistogram.String(), as count_values writes histograms into
  // labels: {count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (1,2]:2}.
  std::string GoString() const;
  // The promqltest notation, e.g. {{schema:0 count:4 sum:5 buckets:[1 2 1]}}.
  std::string ToString() const;
};

using HistogramPtr = std::shared_ptr<const FloatHistogram>;

struct HistogramSample {
  Timestamp t = 0;
  HistogramPtr h;
};

// Parses one `{{...}}` value of promqltest series notation.
Result<FloatHistogram> ParseHistogram(std::string_view text);

// Exact structure and counts within a relative `epsilon`, as promqltest
// compares histograms (counter reset hints are not compared).
bool HistogramsAlmostEqual(const FloatHistogram& a, const FloatHistogram& b, double epsilon);

}  // namespace fw::metrics::promql
