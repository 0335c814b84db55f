// The pipeline's sources: scrape targets and the log files it follows.

#include <glob.h>

#include <filesystem>
#include <functional>

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {

void Pipeline::Impl::StartScraping(server::SelfMetrics* self) {
  auto append = [this](const std::vector<metrics::tsdb::LabeledSample>& batch) {
    auto r = db->Append(batch);
    if (r && r->accepted > 0) {
      std::set<std::string> names;
      for (const auto& s : batch) names.emplace(s.labels.Get(metrics::kMetricNameLabel));
      rules->NotifyAppended(names);
    }
    return r;
  };
  scraping = std::make_unique<metrics::ingest::ScrapeManager>(options.scrape, clock, append, log);
  if (self) {
    // Looked up once: the observer runs after every scrape.
    auto& failed = self->counter("firewatch_scrape_failures_total", "Scrapes that failed (up 0).");
    auto& scrapes = self->counter("firewatch_scrapes_total", "Scrapes attempted.");
    auto& appended = self->counter("firewatch_scrape_samples_appended_total",
                                   "Samples from scrapes accepted by the store, "
                                   "synthetic series and stale markers included.");
    auto& rejected = self->counter("firewatch_scrape_samples_rejected_total",
                                   "Samples from scrapes the store refused (out of order, "
                                   "duplicate) or that failed to append.");
    auto& stale = self->counter("firewatch_scrape_stale_markers_total",
                                "Stale markers written for vanished series and targets.");
    scraping->counters().observer = [failed = &failed, scrapes = &scrapes, appended = &appended,
                                     rejected = &rejected, stale = &stale](
                                        const metrics::ingest::ScrapeResult& r, bool scrape) {
      if (scrape) {
        scrapes->Inc();
        if (!r.up) failed->Inc();
      }
      appended->Inc(static_cast<double>(r.appended));
      rejected->Inc(static_cast<double>(r.rejected));
      stale->Inc(static_cast<double>(r.stale_markers));
    };
  }
  scraping->Start();
  if (!options.scrape.scrape_configs.empty() && log) {
    log->Info("scrape manager started",
              {{"jobs", std::to_string(options.scrape.scrape_configs.size())},
               {"static_targets", std::to_string(options.scrape.StaticTargetCount())}});
  }
}

void Pipeline::Impl::FollowLogFiles() {
  std::vector<LogFileSettings> files;
  {
    std::lock_guard lock(response_mu);  // Reload() replaces them under it
    files = settings.log_files;
  }
  for (const LogFileSettings& f : files) {
    glob_t g{};
    if (glob(f.path.c_str(), 0, nullptr, &g) == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) {
        const std::string path = g.gl_pathv[k];
        if (tailers.count(path)) continue;
        // One position file per followed file, named after its path.
        const std::string state = options.data_dir + "/logs/tail-" +
                                  std::to_string(std::hash<std::string>{}(path)) + ".pos";
        logs::ingest::FileTailOptions o;
        o.path = path;
        o.state_path = state;
        o.lines.group = f.group;
        o.lines.stream =
            f.stream.empty() ? std::filesystem::path(path).filename().string() : f.stream;
        o.lines.expect_json = f.json;
        auto tailer = std::make_unique<logs::ingest::FileTailer>(*log_store, clock, o);
        if (auto ok = tailer->Start(); !ok) {
          if (log)
            log->Error("cannot follow log file",
                       {{"path", path}, {"error", ok.error().ToString()}});
          continue;
        }
        if (log) log->Info("following log file", {{"path", path}, {"group", f.group}});
        tailers.emplace(path, std::move(tailer));
      }
    }
    globfree(&g);
  }
  for (auto& [path, tailer] : tailers) {
    if (auto r = tailer->Poll(); !r && log) {
      log->Error("cannot read log file", {{"path", path}, {"error", r.error().ToString()}});
    }
  }
}

}  // namespace fw::pipeline
