#include "metrics/ingest/scrape_loop.h"

#include <algorithm>
#include <exception>

#include "common/label_limits.h"
#include "metrics/model.h"

namespace fw::metrics::ingest {
namespace {

constexpr const char* kReportNames[] = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                                        "scrape_samples_post_metric_relabeling",
                                        "scrape_series_added"};

}  // namespace

void ScrapeCounters::Add(const ScrapeResult& r, bool is_scrape) {
  if (is_scrape) {
    scrapes.fetch_add(1, std::memory_order_relaxed);
    if (!r.up) failed.fetch_add(1, std::memory_order_relaxed);
  }
  appended.fetch_add(r.appended, std::memory_order_relaxed);
  rejected.fetch_add(r.rejected, std::memory_order_relaxed);
  stale_markers.fetch_add(r.stale_markers, std::memory_order_relaxed);
  if (observer) observer(r, is_scrape);
}

// Turns parsed samples into the batch, through the loop's series cache: a
// series seen before costs one hash lookup on its raw text.
class ScrapeLoop::Handler final : public SampleHandler {
 public:
  Handler(ScrapeLoop& loop, Timestamp t, std::vector<tsdb::LabeledSample>& batch)
      : loop_(loop), t_(t), batch_(batch) {}

  void OnSample(const SampleView& s) override {
    ++scraped;
    const uint64_t limit = loop_.cfg_.sample_limit;
    if (limit != 0 && scraped > limit) return;  // the scrape fails; keep counting
    if (!label_error.empty()) return;           // the scrape fails
    auto it = loop_.cache_.find(s.series);
    if (it == loop_.cache_.end()) {
      LabelSet labels = loop_.TargetLabelsOnto(s);
      const ScrapeConfig& c = loop_.cfg_;
      const LabelLimits limits{c.label_limit, c.label_name_length_limit,
                               c.label_value_length_limit};
      if (auto ok = CheckLabels(labels.labels(), limits, s.name); !ok) {
        label_error = ok.error().message();
        return;
      }
      it = loop_.cache_.emplace(std::string(s.series), Entry{std::move(labels)}).first;
      ++added;
    }
    Entry& e = it->second;
    if (e.seen == loop_.seq_) {  // the same series twice in one body
      ++duplicates;
      return;
    }
    e.seen = loop_.seq_;
    const bool own_time = loop_.cfg_.honor_timestamps && s.timestamp_ms.has_value();
    e.tracked = !own_time;
    batch_.push_back({e.labels, {own_time ? *s.timestamp_ms : t_, s.value}});
  }

  size_t scraped = 0, added = 0, duplicates = 0;
  std::string label_error;  // the first series over a label limit fails the scrape

 private:
  ScrapeLoop& loop_;
  Timestamp t_;
  std::vector<tsdb::LabeledSample>& batch_;
};

ScrapeLoop::ScrapeLoop(const ScrapeConfig& cfg, ScrapeTarget target, Clock& clock,
                       ScrapeAppender append, ScrapeCounters* counters, Logger* log)
    : cfg_(cfg),
      target_(std::move(target)),
      clock_(clock),
      append_(std::move(append)),
      counters_(counters),
      log_(log),
      client_(cfg_, target_, clock) {}

ScrapeLoop::~ScrapeLoop() = default;

LabelSet ScrapeLoop::TargetLabelsOnto(const SampleView& s) const {
  LabelSet out;
  out.Set(kMetricNameLabel, s.name);
  for (const LabelView& l : s.labels) out.Set(l.name, l.value);
  for (const Label& t : target_.labels.labels()) {
    if (cfg_.honor_labels) {
      if (!out.Has(t.name)) out.Set(t.name, t.value);
      continue;
    }
    // As Prometheus: the scraped value survives as exported_<name>.
    if (const std::string scraped(out.Get(t.name)); !scraped.empty()) {
      std::string name = "exported_" + t.name;
      while (out.Has(name)) name = "exported_" + name;
      out.Set(name, scraped);
    }
    out.Set(t.name, t.value);
  }
  return out;
}

Timestamp ScrapeLoop::NextScrapeTime(Timestamp now) const {
  const int64_t interval = std::max<int64_t>(1, cfg_.scrape_interval.count());
  const auto offset = static_cast<int64_t>(target_.hash % static_cast<uint64_t>(interval));
  Timestamp slot = now - ((now % interval) + interval) % interval + offset;
  if (slot < now) slot += interval;
  return slot;
}

void ScrapeLoop::AddStaleMarkers(Timestamp t, bool all, std::vector<tsdb::LabeledSample>& batch,
                                 ScrapeResult& r) {
  for (const auto& [raw, e] : cache_) {
    if (e.in_last_ok && e.tracked && (all || e.seen != seq_)) {
      batch.push_back({e.labels, {t, StaleNaN()}});
      ++r.stale_markers;
    }
  }
}

void ScrapeLoop::FinishScrape(bool ok) {
  if (!ok) {
    cache_.clear();  // every series was marked stale
    return;
  }
  std::erase_if(cache_, [&](const auto& kv) { return kv.second.seen != seq_; });
  for (auto& [raw, e] : cache_) e.in_last_ok = true;
}

void ScrapeLoop::AddReport(const ScrapeResult& r, std::vector<tsdb::LabeledSample>& batch) const {
  const double values[] = {r.up ? 1.0 : 0.0, r.duration_seconds, static_cast<double>(r.scraped),
                           static_cast<double>(r.scraped), static_cast<double>(r.series_added)};
  for (size_t i = 0; i < std::size(kReportNames); ++i) {
    LabelSet labels = target_.labels;
    labels.Set(kMetricNameLabel, kReportNames[i]);
    batch.push_back({std::move(labels), {r.time, values[i]}});
  }
}

void ScrapeLoop::Commit(const std::vector<tsdb::LabeledSample>& batch, ScrapeResult& r) {
  auto st = append_(batch);
  if (!st) {
    r.rejected += batch.size();
    if (log_)
      log_->Error("scrape: store append failed",
                  {{"target", target_.url}, {"error", st.error().ToString()}});
    return;
  }
  r.appended += st->accepted;
  r.rejected += st->rejected;
  if (st->rejected && log_) {
    log_->Warn("scrape: samples rejected by the store", {{"target", target_.url},
                                                         {"rejected", std::to_string(st->rejected)},
                                                         {"first", st->first_rejection}});
  }
}

ScrapeResult ScrapeLoop::ScrapeOnce() {
  ScrapeResult r;
  const Timestamp start = clock_.Now();
  r.time = std::max(start, last_time_ + 1);  // strictly after the last scrape
  ++seq_;
  std::vector<tsdb::LabeledSample> batch;
  auto body = client_.Fetch();
  if (interrupted_) return r;  // stopping: the manager marks everything stale
  r.up = body.has_value();
  if (!body) r.error = body.error().message();
  if (body) {
    Handler h(*this, r.time, batch);
    const bool om = FormatFromContentType(body->content_type) == Format::kOpenMetrics;
    auto parsed = (om ? om_parser_ : prom_parser_).Parse(body->body, h, target_.url);
    r.scraped = h.scraped;
    r.series_added = h.added;
    r.rejected = h.duplicates;
    if (!parsed) {
      r.up = false;
      r.error = parsed.error().ToString();
    } else if (!h.label_error.empty()) {
      r.up = false;
      r.error = h.label_error;
    } else if (cfg_.sample_limit != 0 && h.scraped > cfg_.sample_limit) {
      r.up = false;
      r.error = "sample_limit exceeded: " + std::to_string(h.scraped) + " samples, limit " +
                std::to_string(cfg_.sample_limit);
    }
  }
  if (!r.up) batch.clear();
  AddStaleMarkers(r.time, !r.up, batch, r);
  FinishScrape(r.up);
  r.duration_seconds = static_cast<double>(clock_.Now() - start) / 1000.0;
  AddReport(r, batch);
  Commit(batch, r);
  const bool was_up = last_time_ < 0 || last().up;
  if (log_ && was_up != r.up) {
    if (r.up) log_->Info("scrape: target up", {{"target", target_.url}});
    if (!r.up) log_->Warn("scrape: target down", {{"target", target_.url}, {"error", r.error}});
  }
  last_time_ = r.time;
  reported_ = true;
  if (counters_) counters_->Add(r, /*is_scrape=*/true);
  std::lock_guard<std::mutex> lock(last_mu_);
  last_ = r;
  return r;
}

void ScrapeLoop::Run(std::stop_token stop) {
  const int64_t interval = cfg_.scrape_interval.count();
  Timestamp next = NextScrapeTime(clock_.Now());
  while (clock_.SleepUntil(next, stop)) {
    // A background loop: nothing a target sends, and nothing an observer
    // does, may end the process. The next scrape runs as planned.
    try {
      ScrapeOnce();
    } catch (const std::exception& e) {
      if (log_) log_->Error("scrape failed", {{"target", target_.url}, {"error", e.what()}});
    } catch (...) {
      if (log_) log_->Error("scrape failed", {{"target", target_.url}, {"error", "unknown"}});
    }
    const Timestamp now = clock_.Now();
    next += interval;
    if (next < now) next = NextScrapeTime(now);  // a slow scrape: skip the missed slots
  }
}

void ScrapeLoop::Interrupt() {
  interrupted_ = true;
  client_.Interrupt();
}

size_t ScrapeLoop::MarkStale() {
  if (!reported_) return 0;
  reported_ = false;
  ScrapeResult r;
  r.time = std::max(clock_.Now(), last_time_ + 1);
  std::vector<tsdb::LabeledSample> batch;
  ++seq_;
  AddStaleMarkers(r.time, /*all=*/true, batch, r);
  for (const char* name : kReportNames) {
    LabelSet labels = target_.labels;
    labels.Set(kMetricNameLabel, name);
    batch.push_back({std::move(labels), {r.time, StaleNaN()}});
    ++r.stale_markers;
  }
  cache_.clear();
  Commit(batch, r);
  last_time_ = r.time;
  if (counters_) counters_->Add(r, /*is_scrape=*/false);
  return r.stale_markers;
}

ScrapeResult ScrapeLoop::last() const {
  std::lock_guard<std::mutex> lock(last_mu_);
  return last_;
}

}  // namespace fw::metrics::ingest
