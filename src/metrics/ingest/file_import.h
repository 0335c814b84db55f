#pragma once
// Imports an exposition file (OpenMetrics, as `firewatch sim run` writes
// metrics.om, or Prometheus text) into per-series sample lists: the path by
// which recorded runs are loaded for queries. Samples without a timestamp
// take `default_time`. Stale markers and NaNs are kept as values.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/ingest/text_parser.h"
#include "metrics/model.h"

namespace fw::metrics::ingest {

struct ImportedSeries {
  LabelSet labels;
  std::vector<Sample> samples;  // in file order
};

struct ImportResult {
  std::vector<ImportedSeries> series;
  size_t samples = 0;
};

// The format follows the file name: *.om or *.openmetrics is OpenMetrics,
// anything else Prometheus text. Errors name file:line:column.
Result<ImportResult> ImportFile(const std::string& path, Timestamp default_time = 0);

}  // namespace fw::metrics::ingest
