#pragma once
// The series of one target that stopped appearing between consecutive
// scrapes. Prometheus's scrape loop marks them stale; a writer that feeds a
// store from scrapes of its own (the simulator's pipelines) does the same
// with this, or a removed instance's last sample stays visible for the
// 5-minute lookback and can keep an alert firing on a machine that is gone.
//
//   tracker.Seen(series) for every series written by a scrape, then
//   for (const LabelSet& s : tracker.EndScrape()) write {t, StaleNaN()} to s.
//
// Not thread-safe.

#include <unordered_set>
#include <vector>

#include "common/labels.h"

namespace fw::metrics::ingest {

class VanishedSeries {
 public:
  void Seen(const LabelSet& series) { current_.insert(series); }
  // Ends a scrape: the series of the previous scrape that this one lacks.
  std::vector<LabelSet> EndScrape();

 private:
  std::unordered_set<LabelSet, LabelSetHash> previous_, current_;
};

}  // namespace fw::metrics::ingest
