#pragma once
// MetricWriter receives the simulator's current metric samples, one call per
// series, with labels pre-rendered as `a="x",b="y"` (sorted, escaped, no
// braces) so that writers can use them as keys without re-rendering. Two
// writers exist: the OpenMetrics recorder (sim run) and the Prometheus text
// exposition (sim serve).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fw::sim {

// kUntyped is what mysqld_exporter declares for SHOW GLOBAL STATUS values.
enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

struct MetricFamily {
  const char* name;  // sample name; counters end in _total
  MetricType type;
  const char* help;
};

class MetricWriter {
 public:
  virtual ~MetricWriter() = default;
  virtual void Sample(const MetricFamily& family, std::string_view labels, double value) = 0;
  // `cumulative` has one count per bound in `bounds`, then the +Inf count.
  virtual void Histogram(const MetricFamily& family, std::string_view labels,
                         std::span<const double> bounds, std::span<const int64_t> cumulative,
                         double sum) = 0;
};

// Formats a sample value the way Prometheus does: integers without a
// fraction, +Inf/-Inf/NaN spelled out, otherwise shortest round-trip.
std::string FormatValue(double v);

}  // namespace fw::sim
