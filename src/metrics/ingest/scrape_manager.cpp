#include "metrics/ingest/scrape_manager.h"

#include <algorithm>

namespace fw::metrics::ingest {

ScrapeManager::ScrapeManager(ScrapeSettings settings, Clock& clock, ScrapeAppender append,
                             Logger* log)
    : settings_(std::move(settings)),
      clock_(clock),
      append_(std::move(append)),
      log_(log),
      jobs_(settings_.scrape_configs.size()) {}

ScrapeManager::~ScrapeManager() { Stop(); }

void ScrapeManager::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return;
    started_ = true;
  }
  for (size_t j = 0; j < settings_.scrape_configs.size(); ++j) {
    const ScrapeConfig& cfg = settings_.scrape_configs[j];
    if (!cfg.static_configs.empty()) UpdateTargets(j, 0, cfg.static_configs);
    for (size_t sd = 0; sd < cfg.http_sd_configs.size(); ++sd) {
      discovery_.emplace_back([this, j, sd](std::stop_token stop) { Discover(j, sd, stop); });
    }
  }
}

void ScrapeManager::Discover(size_t job, size_t sd, std::stop_token stop) {
  const HttpSdConfig& cfg = settings_.scrape_configs[job].http_sd_configs[sd];
  // Short enough that Stop() is not held up for long by a silent SD server.
  const Millis timeout = std::min(cfg.refresh_interval, Millis(5'000));
  bool failing = false;
  Timestamp next = clock_.Now();
  while (clock_.SleepUntil(next, stop)) {
    auto groups = FetchHttpSd(cfg, timeout);
    if (stop.stop_requested()) return;
    if (groups) {
      UpdateTargets(job, 1 + sd, std::move(*groups));
      if (failing && log_) log_->Info("http_sd: refresh recovered", {{"url", cfg.url}});
      failing = false;
    } else if (!failing) {  // log once per outage, keep the last good targets
      failing = true;
      if (log_) {
        log_->Warn("http_sd: refresh failed; keeping the previous targets",
                   {{"url", cfg.url}, {"error", groups.error().ToString()}});
      }
    }
    next = clock_.Now() + cfg.refresh_interval.count();
  }
}

void ScrapeManager::StopAll(std::vector<std::unique_ptr<Running>>& loops) {
  // Interrupt all first, then join: stopping N slow targets costs one wait.
  for (auto& r : loops) {
    r->thread.request_stop();
    r->loop->Interrupt();
  }
  for (auto& r : loops) {
    if (r->thread.joinable()) r->thread.join();
    r->loop->MarkStale();
  }
}

void ScrapeManager::UpdateTargets(size_t job, size_t source, std::vector<TargetGroup> groups) {
  const ScrapeConfig& cfg = settings_.scrape_configs.at(job);
  std::vector<std::unique_ptr<Running>> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    Job& j = jobs_[job];
    j.sources[source] = std::move(groups);
    std::vector<TargetGroup> all;
    for (const auto& [_, g] : j.sources) all.insert(all.end(), g.begin(), g.end());
    std::vector<Error> errors;
    std::vector<ScrapeTarget> wanted = TargetsFromGroups(cfg, all, &errors);
    for (const Error& e : errors) {
      if (log_)
        log_->Warn("scrape: target skipped", {{"job", cfg.job_name}, {"error", e.ToString()}});
    }
    std::map<uint64_t, ScrapeTarget*> by_hash;
    for (ScrapeTarget& t : wanted) by_hash[t.hash] = &t;
    for (auto it = j.running.begin(); it != j.running.end();) {
      if (by_hash.count(it->first)) {
        ++it;
        continue;
      }
      gone.push_back(std::move(it->second));
      it = j.running.erase(it);
    }
    for (auto& [hash, t] : by_hash) {
      if (j.running.count(hash)) continue;
      auto r = std::make_unique<Running>();
      r->loop = std::make_unique<ScrapeLoop>(cfg, std::move(*t), clock_, append_, &counters_, log_);
      r->thread = std::jthread([loop = r->loop.get()](std::stop_token stop) { loop->Run(stop); });
      j.running.emplace(hash, std::move(r));
    }
  }
  StopAll(gone);  // outside the lock: joining may take a moment
}

void ScrapeManager::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  for (auto& d : discovery_) d.request_stop();
  for (auto& d : discovery_) {
    if (d.joinable()) d.join();
  }
  std::vector<std::unique_ptr<Running>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Job& j : jobs_) {
      for (auto& [_, r] : j.running) all.push_back(std::move(r));
      j.running.clear();
    }
  }
  StopAll(all);
}

std::vector<TargetStatus> ScrapeManager::Targets() const {
  std::vector<TargetStatus> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t j = 0; j < jobs_.size(); ++j) {
    for (const auto& [_, r] : jobs_[j].running) {
      const ScrapeTarget& t = r->loop->target();
      out.push_back({settings_.scrape_configs[j].job_name, t.url, t.labels, r->loop->last()});
    }
  }
  std::sort(out.begin(), out.end(), [](const TargetStatus& a, const TargetStatus& b) {
    return std::tie(a.job, a.url, a.labels) < std::tie(b.job, b.url, b.labels);
  });
  return out;
}

}  // namespace fw::metrics::ingest
