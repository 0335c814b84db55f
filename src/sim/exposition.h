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
  // as_target: render what one scrape target exposes. The scraper attaches
  // `instance` itself and generates `up`, so both are left out; without it
  // (all targets in one page, scraped with honor_labels) they stay.
  explicit TextExposition(bool as_target = false) : as_target_(as_target) {}
  void Sample(const MetricFamily& family, std::string_view labels, double value) override;
  void Histogram(const MetricFamily& family, std::string_view labels,
                 std::span<const double> bounds, std::span<const int64_t> cumulative,
                 double sum) override;
  std::string Render() const;

 private:
  std::string& Body(const MetricFamily& family);
  std::string Labels(std::string_view labels) const;
  bool as_target_;
  std::vector<std::pair<const MetricFamily*, std::string>> families_;
};

}  // namespace fw::sim
