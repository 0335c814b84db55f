#include "metrics/ingest/vanished_series.h"

namespace fw::metrics::ingest {

std::vector<LabelSet> VanishedSeries::EndScrape() {
  std::vector<LabelSet> gone;
  for (const LabelSet& s : previous_) {
    if (!current_.contains(s)) gone.push_back(s);
  }
  previous_.swap(current_);
  current_.clear();
  return gone;
}

}  // namespace fw::metrics::ingest
