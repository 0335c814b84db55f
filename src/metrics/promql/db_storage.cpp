#include "metrics/promql/db_storage.h"

namespace fw::metrics::promql {

std::vector<StoredSeries> DbView::Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                         Timestamp maxt) const {
  std::vector<StoredSeries> out;
  auto series = db_.Select(std::vector<LabelMatcher>(matchers.begin(), matchers.end()), mint, maxt);
  if (!series) return out;
  out.reserve(series->size());
  for (tsdb::SeriesSamples& s : *series) {
    out.push_back(StoredSeries{std::move(s.labels), std::move(s.samples), {}});
  }
  return out;
}

}  // namespace fw::metrics::promql
