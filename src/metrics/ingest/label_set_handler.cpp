#include "metrics/ingest/label_set_handler.h"

#include "metrics/model.h"

namespace fw::metrics::ingest {

namespace {

// True when `set` holds exactly __name__ plus the sample's non-empty labels,
// so updating values in place gives the right set.
bool SameNames(const fw::LabelSet& set, const SampleView& s) {
  size_t non_empty = 0;
  for (const LabelView& l : s.labels) non_empty += !l.value.empty();
  if (set.size() != non_empty + 1) return false;
  for (const Label& have : set.labels()) {
    if (have.name == kMetricNameLabel) continue;
    bool found = false;
    for (const LabelView& l : s.labels) {
      if (l.name == have.name && !l.value.empty()) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

void LabelSetHandler::OnSample(const SampleView& s) {
  if (!SameNames(series_, s)) series_ = fw::LabelSet();
  series_.Set(kMetricNameLabel, s.name);
  for (const LabelView& l : s.labels) series_.Set(l.name, l.value);
  OnSeries(series_, s.value, s.timestamp_ms);
}

}  // namespace fw::metrics::ingest
