#pragma once
// Renders the simulator's current samples in the Prometheus text format
// (version 0.0.4, no timestamps: the scraper stamps them), grouping each
// family under one HELP and TYPE line.

#include <string>
#include <vector>

#include "sim/metric_writer.h"

namespace fw::sim {

class TextExposition final : public MetricWriter {
 public:
  void Sample(const MetricFamily& family, std::string_view labels, double value) override;
  void Histogram(const MetricFamily& family, std::string_view labels,
                 std::span<const double> bounds, std::span<const int64_t> cumulative,
                 double sum) override;
  std::string Render() const;

 private:
  std::string& Body(const MetricFamily& family);
  std::vector<std::pair<const MetricFamily*, std::string>> families_;
};

}  // namespace fw::sim
