#pragma once
// LabelSetHandler: a SampleHandler for callers that want each series as an
// owned fw::LabelSet (with the metric name under "__name__"), e.g. tests and
// low-rate paths. It reuses one LabelSet and only rebuilds it when the label
// names change, so consecutive samples of one family cost no allocation when
// their values fit the small-string buffer. Empty label values are dropped,
// as Prometheus treats them as absent.
//
// Fast paths (the scrape loop) should use SampleView directly and key a
// series cache on SampleView::series instead.

#include <optional>

#include "common/labels.h"
#include "metrics/ingest/text_parser.h"

namespace fw::metrics::ingest {

class LabelSetHandler : public SampleHandler {
 public:
  // `series` is valid only during the call.
  virtual void OnSeries(const fw::LabelSet& series, double value,
                        std::optional<Timestamp> timestamp_ms) = 0;

  void OnSample(const SampleView& sample) final;

 private:
  fw::LabelSet series_;
};

}  // namespace fw::metrics::ingest
