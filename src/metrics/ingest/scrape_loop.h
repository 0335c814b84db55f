#pragma once
// ScrapeLoop: scrapes one target on the Clock, as a Prometheus scrape loop
// does. Each scrape GETs the target, parses the body (text 0.0.4 or
// OpenMetrics, by Content-Type), labels every sample with the target's labels
// and appends one batch: the samples, the stale markers, and the five
// synthetic series up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling and scrape_series_added.
//
// Semantics (Prometheus's):
//  - scrapes happen at a stable offset within the interval, derived from the
//    target's hash, so targets spread out and restarts keep their phase;
//  - a sample's time is the scrape's start on the Clock, unless
//    honor_timestamps and the sample carries its own;
//  - honor_labels=false: a scraped label clashing with a target label is
//    kept as exported_<name>; true: the scraped label wins;
//  - a failed scrape (network, status, timeout, body limit, parse error,
//    sample_limit exceeded) appends no scraped sample, records up=0 and marks
//    every series of the previous scrape stale (StaleNaN at this scrape's
//    time); a series missing from a successful scrape is marked stale too;
//    series with explicit timestamps are not tracked for staleness;
//  - MarkStale() (target gone) marks every last-scraped series stale.
//
// Thread-safety: ScrapeOnce, Run and MarkStale run on one thread at a time;
// Interrupt and last() may be called from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "metrics/ingest/scrape_config.h"
#include "metrics/ingest/scrape_http.h"
#include "metrics/ingest/scrape_target.h"
#include "metrics/ingest/text_parser.h"
#include "metrics/tsdb/db.h"

namespace fw::metrics::ingest {

// Where batches go: tsdb::Db::Append in the server, a vector in tests.
using ScrapeAppender =
    std::function<Result<tsdb::AppendStats>(const std::vector<tsdb::LabeledSample>&)>;

struct ScrapeResult {
  bool up = false;
  std::string error;   // why the scrape failed; empty when up
  Timestamp time = 0;  // the scrape's start
  double duration_seconds = 0;
  size_t scraped = 0;        // samples in the body
  size_t series_added = 0;   // series new to this target's cache
  size_t stale_markers = 0;  // written by this scrape
  size_t appended = 0;       // accepted by the store, synthetic series included
  size_t rejected = 0;       // refused by the store (out of order, duplicate)
};

// Totals over all loops; loops add to them after every scrape.
struct ScrapeCounters {
  std::atomic<uint64_t> scrapes{0}, failed{0}, appended{0}, rejected{0}, stale_markers{0};
  // Called after each scrape (is_scrape) or stale marking, e.g. to mirror
  // the totals into /metrics. Set before the loops start.
  std::function<void(const ScrapeResult&, bool is_scrape)> observer;
  void Add(const ScrapeResult& r, bool is_scrape);
};

class ScrapeLoop {
 public:
  // REQUIRES: cfg, clock, counters and log (when given) outlive the loop.
  ScrapeLoop(const ScrapeConfig& cfg, ScrapeTarget target, Clock& clock, ScrapeAppender append,
             ScrapeCounters* counters = nullptr, Logger* log = nullptr);
  ~ScrapeLoop();

  // One scrape now. Returns what it did.
  ScrapeResult ScrapeOnce();
  // Scrapes at every slot until `stop`; returns promptly when stopped.
  void Run(std::stop_token stop);
  // Aborts a scrape in flight; that scrape records nothing.
  void Interrupt();
  // Stale markers for every series of the last scrape, synthetic ones too,
  // at max(Now, last scrape + 1ms). Returns how many. The cache is emptied.
  size_t MarkStale();

  // The first slot at or after `now`: now rounded to the interval plus the
  // target's offset.
  Timestamp NextScrapeTime(Timestamp now) const;
  const ScrapeTarget& target() const { return target_; }
  ScrapeResult last() const;

 private:
  struct Entry {
    LabelSet labels;
    uint64_t seen = 0;     // sequence number of the last scrape that had it
    bool tracked = false;  // gets stale markers (no explicit timestamp)
    bool in_last_ok = false;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  class Handler;
  friend class Handler;

  LabelSet TargetLabelsOnto(const SampleView& s) const;
  void AddStaleMarkers(Timestamp t, bool all, std::vector<tsdb::LabeledSample>& batch,
                       ScrapeResult& r);
  void AddReport(const ScrapeResult& r, std::vector<tsdb::LabeledSample>& batch) const;
  void Commit(const std::vector<tsdb::LabeledSample>& batch, ScrapeResult& r);
  void FinishScrape(bool ok);

  const ScrapeConfig& cfg_;
  ScrapeTarget target_;
  Clock& clock_;
  ScrapeAppender append_;
  ScrapeCounters* counters_;
  Logger* log_;
  ScrapeClient client_;
  TextParser prom_parser_{Format::kPrometheusText}, om_parser_{Format::kOpenMetrics};
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> cache_;
  uint64_t seq_ = 0;
  Timestamp last_time_ = -1;  // last scrape's time; -1 before the first
  bool reported_ = false;     // synthetic series written since the last MarkStale
  std::atomic<bool> interrupted_{false};
  mutable std::mutex last_mu_;
  ScrapeResult last_;
};

}  // namespace fw::metrics::ingest
