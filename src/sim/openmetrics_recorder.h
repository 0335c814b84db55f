#pragma once
// Buffers scraped samples in memory and writes them as one OpenMetrics text
// file: each family contiguous (TYPE, HELP, then its series), each series'
// points in time order, timestamps in seconds with millisecond precision,
// ending with "# EOF". Grouping needs the whole run, hence the buffer
// (about 16 bytes a point).

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "sim/metric_writer.h"

namespace fw::sim {

class OpenMetricsRecorder final : public MetricWriter {
 public:
  // Samples until the next call carry timestamp t.
  void BeginScrape(Timestamp t) { now_ = t; }

  void Sample(const MetricFamily& family, std::string_view labels, double value) override;
  void Histogram(const MetricFamily& family, std::string_view labels,
                 std::span<const double> bounds, std::span<const int64_t> cumulative,
                 double sum) override;

  // Writes everything recorded so far. Returns the number of sample lines.
  Result<size_t> Write(std::FILE* out) const;
  size_t series() const;

 private:
  struct Series {
    std::string labels;
    std::vector<Timestamp> ts;
    std::vector<double> values;  // stride 1, or buckets + count + sum for histograms
  };
  struct Family {
    const MetricFamily* def;
    std::vector<double> bounds;
    std::unordered_map<std::string, size_t> index;
    std::vector<Series> series;
  };
  Series& Find(const MetricFamily& family, std::string_view labels);

  Timestamp now_ = 0;
  std::unordered_map<const MetricFamily*, size_t> family_index_;
  std::vector<Family> families_;
};

}  // namespace fw::sim
