#pragma once
// LabeledWriter: a MetricWriter that hands each sample on as a LabelSet (with
// `__name__`; histograms as their _bucket{le}, _count and _sum series), the
// way a scrape would store them. Each series' labels are parsed once and
// cached, so writing a scrape into an in-memory store stays cheap. For tests,
// benches and runbook verification over the simulator without a real store.

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/labels.h"
#include "sim/metric_writer.h"

namespace fw::sim {

class LabeledWriter final : public MetricWriter {
 public:
  using Sink = std::function<void(const LabelSet& series, double value)>;
  explicit LabeledWriter(Sink sink) : sink_(std::move(sink)) {}

  void Sample(const MetricFamily& family, std::string_view labels, double value) override;
  void Histogram(const MetricFamily& family, std::string_view labels,
                 std::span<const double> bounds, std::span<const int64_t> cumulative,
                 double sum) override;

 private:
  // A family's series for these labels: one set, or a histogram's buckets
  // (bounds, then +Inf), _count and _sum.
  const std::vector<LabelSet>& Series(const MetricFamily& family, std::string_view labels,
                                      std::span<const double> bounds);

  Sink sink_;
  std::unordered_map<std::string, std::vector<LabelSet>> cache_;
};

}  // namespace fw::sim
