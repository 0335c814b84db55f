#pragma once
// ScrapeManager: runs one ScrapeLoop thread per target of every scrape job,
// keeps the target set in step with discovery, and stops everything
// promptly. A job's targets are the union of its static_configs and the last
// good answer of each of its http_sd_configs (a failed refresh keeps the
// previous targets, as Prometheus does). When a target disappears, on a
// refresh or at Stop(), its loop is stopped and every series it last wrote
// is marked stale.
//
//   ScrapeManager m(settings, clock, [&](auto& b) { return db.Append(b); }, &log);
//   m.Start();  ...  m.Stop();
//
// Thread-safe. Stop() interrupts scrapes and discovery requests in flight
// and never waits out an interval.

#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "metrics/ingest/scrape_config.h"
#include "metrics/ingest/scrape_loop.h"
#include "metrics/ingest/scrape_target.h"

namespace fw::metrics::ingest {

struct TargetStatus {
  std::string job;
  std::string url;
  LabelSet labels;
  ScrapeResult last;  // time 0 before the first scrape
};

class ScrapeManager {
 public:
  // REQUIRES: clock and log (when given) outlive the manager.
  ScrapeManager(ScrapeSettings settings, Clock& clock, ScrapeAppender append,
                Logger* log = nullptr);
  ~ScrapeManager();  // Stop()
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Starts the static targets' loops and one discovery thread per
  // http_sd_config (its first refresh right away). Call once.
  void Start();
  // Stops discovery and every loop, then writes the stale markers. Idempotent.
  void Stop();

  // Replaces the groups that `source` of job `job` contributes (0: the
  // static_configs, 1 + i: http_sd_configs[i]) and starts or stops loops for
  // the difference. Discovery threads call this; tests may too.
  void UpdateTargets(size_t job, size_t source, std::vector<TargetGroup> groups);

  // Active targets, by job then URL.
  std::vector<TargetStatus> Targets() const;
  ScrapeCounters& counters() { return counters_; }
  const ScrapeSettings& settings() const { return settings_; }

 private:
  struct Running {
    std::unique_ptr<ScrapeLoop> loop;
    std::jthread thread;
  };
  struct Job {
    std::map<size_t, std::vector<TargetGroup>> sources;
    std::map<uint64_t, std::unique_ptr<Running>> running;  // by target hash
  };

  void Discover(size_t job, size_t sd, std::stop_token stop);
  static void StopAll(std::vector<std::unique_ptr<Running>>& loops);

  ScrapeSettings settings_;
  Clock& clock_;
  ScrapeAppender append_;
  Logger* log_;
  ScrapeCounters counters_;
  mutable std::mutex mu_;
  std::vector<Job> jobs_;  // parallel to settings_.scrape_configs
  std::vector<std::jthread> discovery_;
  bool started_ = false, stopped_ = false;
};

}  // namespace fw::metrics::ingest
