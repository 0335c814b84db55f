#pragma once
// The scrape side of `firewatch serve`: builds the ScrapeManager from the
// config file, feeding the store, and mirrors its counters into the server's
// own /metrics (firewatch_scrape_*).

#include <functional>
#include <memory>

#include "cli/config_file.h"
#include "common/clock.h"
#include "common/log.h"
#include "metrics/ingest/scrape_manager.h"
#include "metrics/tsdb/db.h"
#include "server/self_metrics.h"

namespace fw::cli {

// Called after scraped samples are stored.
using AppendHook = std::function<void(const std::vector<metrics::tsdb::LabeledSample>&)>;

// Returns the started manager. REQUIRES: db, clock, log and metrics outlive it.
std::unique_ptr<metrics::ingest::ScrapeManager> StartScraping(const ConfigFile& cfg,
                                                              metrics::tsdb::Db& db, Clock& clock,
                                                              Logger& log,
                                                              server::SelfMetrics& metrics,
                                                              AppendHook on_append = nullptr);

}  // namespace fw::cli
