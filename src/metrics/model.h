#pragma once
// Shared vocabulary of the metrics stage: a sample, the staleness marker, and
// the matcher types every part (store, ingest, PromQL) speaks. Series are
// identified by fw::LabelSet (common/labels.h) with the metric name under
// "__name__", exactly as in Prometheus.

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/labels.h"

namespace fw::metrics {

inline constexpr const char* kMetricNameLabel = "__name__";

struct Sample {
  Timestamp t;  // milliseconds since the Unix epoch
  double v;
};

// Prometheus marks a series stale with one specific NaN bit pattern; any other
// NaN is an ordinary value.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// A label matcher as written in a selector: name op "value". Regexes are
// fully anchored (Prometheus semantics) and evaluated with RE2.
struct LabelMatcher {
  MatchType type;
  std::string name;
  std::string value;
};

}  // namespace fw::metrics
