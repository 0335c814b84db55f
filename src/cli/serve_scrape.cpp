#include "cli/serve_scrape.h"

namespace fw::cli {

std::unique_ptr<metrics::ingest::ScrapeManager> StartScraping(const ConfigFile& cfg,
                                                              metrics::tsdb::Db& db, Clock& clock,
                                                              Logger& log,
                                                              server::SelfMetrics& metrics,
                                                              AppendHook on_append) {
  auto append = [&db, on_append](const std::vector<metrics::tsdb::LabeledSample>& batch) {
    auto r = db.Append(batch);
    if (r && r->accepted > 0 && on_append) on_append(batch);
    return r;
  };
  auto m = std::make_unique<metrics::ingest::ScrapeManager>(cfg.scrape, clock, append, &log);
  // Looked up once: the observer runs after every scrape.
  auto& failed = metrics.counter("firewatch_scrape_failures_total", "Scrapes that failed (up 0).");
  auto& scrapes = metrics.counter("firewatch_scrapes_total", "Scrapes attempted.");
  auto& appended = metrics.counter("firewatch_scrape_samples_appended_total",
                                   "Samples from scrapes accepted by the store, "
                                   "synthetic series and stale markers included.");
  auto& rejected = metrics.counter("firewatch_scrape_samples_rejected_total",
                                   "Samples from scrapes the store refused (out of order, "
                                   "duplicate) or that failed to append.");
  auto& stale = metrics.counter("firewatch_scrape_stale_markers_total",
                                "Stale markers written for vanished series and targets.");
  m->counters().observer = [failed = &failed, scrapes = &scrapes, appended = &appended,
                            rejected = &rejected,
                            stale = &stale](const metrics::ingest::ScrapeResult& r, bool scrape) {
    if (scrape) {
      scrapes->Inc();
      if (!r.up) failed->Inc();
    }
    appended->Inc(static_cast<double>(r.appended));
    rejected->Inc(static_cast<double>(r.rejected));
    stale->Inc(static_cast<double>(r.stale_markers));
  };
  m->Start();
  if (!cfg.scrape.scrape_configs.empty())
    log.Info("scrape manager started",
             {{"jobs", std::to_string(cfg.scrape.scrape_configs.size())},
              {"static_targets", std::to_string(cfg.scrape.StaticTargetCount())}});
  return m;
}

}  // namespace fw::cli
