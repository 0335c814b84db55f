// `firewatch serve`: the firewatch server. Today it is the metrics store
// behind the Prometheus-compatible API (query, series, labels, remote
// write); later stages register their APIs here too.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/serve_alerting.h"
#include "cli/serve_scrape.h"
#include "cli/server_common.h"
#include "cli/storage_flags.h"
#include "common/log.h"
#include "logs/api/logs_api.h"
#include "metrics/api/prom_api.h"
#include "metrics/api/stats_api.h"
#include "metrics/ingest/file_import.h"
#include "metrics/promql/db_storage.h"
#include "metrics/stats/statistics.h"
#include "metrics/tsdb/db.h"
#include "response/api.h"
#include "server/http.h"

namespace fw::cli {
namespace {

struct ServeFlags {
  std::string data = "data";
  std::string bind = "127.0.0.1";
  int port = 9400;
  size_t max_body_bytes = 32 << 20;
  std::string config;    // firewatch.yml; empty: no scraping
  StorageFlags storage;  // block range, retention
  LogRetentionFlags log_retention;
  bool data_set = false;  // --data given: it wins over storage.dir
  bool bind_set = false;  // --bind / --port given: they win over server.listen
  bool port_set = false;
};

// Flags win over the config file; the file wins over the flags' defaults.
void ApplyServerSettings(const ServeFlags& f, const ServerSettings& s, std::string& bind,
                         int& port) {
  bind = f.bind_set || s.listen_host.empty() ? f.bind : s.listen_host;
  port = f.port_set || s.listen_host.empty() ? f.port : s.listen_port;
}

// server.tokens plus FIREWATCH_TOKEN as admin (unless it is one of them).
Result<std::vector<server::TokenSpec>> Tokens(const ServerSettings& s, bool& generated,
                                              std::string& admin) {
  auto env = AdminTokenFromEnv(s.tokens.empty());
  if (!env) return Fail(env.error());
  generated = env->generated;
  admin = env->token;
  std::vector<server::TokenSpec> out = s.tokens;
  const bool listed = std::any_of(out.begin(), out.end(),
                                  [&](const server::TokenSpec& t) { return t.token == admin; });
  if (!admin.empty() && !listed) out.push_back({admin, server::Role::kAdmin, "admin"});
  return out;
}

void Serve(const ServeFlags& f, ExitStatus& status) {
  sigset_t stop_signals = BlockStopSignals();
  ConfigFile config;
  if (!f.config.empty()) {
    auto loaded = LoadConfigFile(f.config);
    if (!loaded) return ReportError(loaded.error(), status);
    config = std::move(*loaded);
  }
  const std::string data = f.data_set || config.storage_dir.empty() ? f.data : config.storage_dir;
  RealClock clock;
  Logger log(clock, std::cerr);
  auto db_options = ToDbOptions(f.storage, clock);
  if (!db_options) return ReportError(db_options.error(), status);
  logs::store::StoreOptions log_options;
  if (auto ok = ApplyLogRetention(f.log_retention, log_options); !ok) {
    return ReportError(ok.error(), status);
  }
  auto db = metrics::tsdb::Db::Open(data, *db_options);
  if (!db) return ReportError(db.error(), status);
  const auto& opened = (*db)->open_stats();
  log.Info("metrics store opened", {{"data", data},
                                    {"series", std::to_string(opened.series)},
                                    {"samples", std::to_string(opened.samples)},
                                    {"torn_tail_repaired", opened.torn_tail ? "true" : "false"}});
  bool generated = false;
  std::string admin;
  auto tokens = Tokens(config.server, generated, admin);
  if (!tokens) return ReportError(tokens.error(), status);
  server::ServerOptions opts;
  ApplyServerSettings(f, config.server, opts.bind_address, opts.port);
  if (config.server.threads > 0) opts.threads = static_cast<int>(config.server.threads);
  if (config.server.max_connections > 0) opts.max_connections = config.server.max_connections;
  opts.max_body_bytes = f.max_body_bytes;
  opts.tokens = std::move(*tokens);
  server::HttpServer http(opts, clock, &log);
  if (config.alerting.external_url.empty()) {
    config.alerting.external_url =
        "http://" + DialableAddress(opts.bind_address) + ":" + std::to_string(opts.port);
  }
  auto alerting = ServeAlerting::Start(config.alerting, **db, data, http, clock, log);
  if (!alerting) return ReportError(alerting.error(), status);
  ServeAlerting* rules = alerting->get();
  auto appended = [rules](const std::vector<metrics::tsdb::LabeledSample>& b) {
    rules->Appended(b);
  };
  metrics::api::ApiOptions api_options;
  api_options.on_append = appended;
  metrics::api::RegisterPrometheusApi(http, **db, clock, api_options);
  metrics::api::RegisterStatsApi(http, **db, clock);
  auto log_store = logs::store::LogStore::Open(data + "/logs", clock, log_options);  // docs/logs.md
  if (!log_store) return ReportError(log_store.error(), status);
  // Retention also runs at each segment rotation; this catches a store that
  // stopped growing.
  std::jthread log_retention([&store = **log_store, &clock, &log](std::stop_token stop) {
    while (clock.SleepUntil(clock.Now() + 60'000, stop)) {
      auto r = store.ApplyRetention();
      if (!r) {
        log.Error("log retention failed", {{"error", r.error().ToString()}});
      } else if (r->segments_deleted > 0) {
        log.Info("log retention", {{"segments_deleted", std::to_string(r->segments_deleted)},
                                   {"bytes_deleted", std::to_string(r->bytes_deleted)}});
      }
    }
  });
  auto logs_api = logs::api::RegisterLogsApi(http, **log_store, clock);
  // Analysis and reports over the server's own stores (no database client:
  // its diagnostics show as a gap in the analysis).
  metrics::promql::DbView metrics_view(**db);
  logs::store::StoreEventSource log_source(**log_store);
  response::RegisterResponseApi(http, (*alerting)->incidents(),
                                {&metrics_view, &log_source, &(*alerting)->changes(), nullptr},
                                clock);
  auto port = http.Start();
  if (!port) return ReportError(port.error(), status);
  if (generated) {
    std::cerr << "firewatch: no FIREWATCH_TOKEN set; admin token for this run: " << admin << "\n";
  }
  auto scraping = StartScraping(config, **db, clock, log, http.metrics(), appended);
  std::cout << "listening on http://" << DialableAddress(opts.bind_address) << ":" << *port
            << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  scraping->Stop();  // first: its stale markers go to the store
  (*alerting)->Stop();
  http.Stop();
  log.Info("stopped");
}

// Historical data goes straight into blocks; only the newest block range
// passes through the head and its write-ahead log.
void Import(const std::string& file, const std::string& data, const StorageFlags& storage,
            ExitStatus& status) {
  RealClock clock;
  auto db_options = ToDbOptions(storage, clock);
  if (!db_options) return ReportError(db_options.error(), status);
  auto db = metrics::tsdb::Db::Open(data, *db_options);
  if (!db) return ReportError(db.error(), status);
  auto imported = metrics::ingest::ImportFile(file);
  if (!imported) return ReportError(imported.error(), status);
  const size_t num_series = imported->series.size();
  std::vector<metrics::tsdb::SeriesSamples> series;
  series.reserve(num_series);
  for (auto& s : imported->series) series.push_back({std::move(s.labels), std::move(s.samples)});
  imported->series.clear();
  auto st = (*db)->Import(std::move(series));
  if (!st) return ReportError(st.error(), status);
  const size_t accepted = st->accepted, rejected = st->rejected;
  std::cout << "imported " << accepted << " samples of " << num_series << " series into " << data;
  if (rejected) std::cout << " (" << rejected << " rejected: out of order or duplicate)";
  std::cout << "\n";
}

struct StatsFlags {
  std::string metric, start, end, data = "data";
  std::vector<std::string> match;
  double period = 300;
  std::string statistics = "Average";
};

void Stats(const StatsFlags& f, ExitStatus& status) {
  metrics::stats::StatsRequest r;
  r.matchers.push_back({metrics::MatchType::kEqual, "__name__", f.metric});
  for (const std::string& m : f.match) {
    auto matcher = metrics::api::ParseEqualityMatch(m);
    if (!matcher) return ReportError(matcher.error().WithContext("--match"), status);
    r.matchers.push_back(*matcher);
  }
  auto start = ParseTimestamp(f.start);
  auto end = ParseTimestamp(f.end);
  if (!start) return ReportError(start.error().WithContext("--start"), status);
  if (!end) return ReportError(end.error().WithContext("--end"), status);
  r.start = *start;
  r.end = *end;
  r.period_ms = static_cast<int64_t>(f.period * 1000);
  r.statistics = metrics::api::SplitStatistics(f.statistics);
  metrics::tsdb::DbOptions read_only;
  read_only.read_only = true;  // a server may be writing to it
  auto db = metrics::tsdb::Db::Open(f.data, read_only);
  if (!db) return ReportError(db.error(), status);
  auto points = metrics::stats::ComputeStatistics(**db, r);
  if (!points) return ReportError(points.error(), status);
  std::printf("%-24s", "timestamp");
  for (const std::string& s : r.statistics) std::printf(" %14s", s.c_str());
  std::printf("\n");
  for (const auto& d : *points) {
    std::printf("%-24s", FormatRfc3339Millis(d.timestamp).c_str());
    for (const std::string& s : r.statistics) std::printf(" %14.6g", d.values.at(s));
    std::printf("\n");
  }
}

}  // namespace

void RegisterServe(CLI::App& app, ExitStatus& status) {
  auto* serve = app.add_subcommand(
      "serve", "Run the firewatch server: the metrics store behind a Prometheus-compatible API");
  static ServeFlags f;
  serve->add_option("--data", f.data, "Data directory (write-ahead log)")->capture_default_str();
  serve->add_option("--bind", f.bind, "Address to listen on (overrides server.listen)")
      ->capture_default_str();
  serve->add_option("--port", f.port, "Port, 0 = any free port (overrides server.listen)")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", f.max_body_bytes, "Largest request body accepted")
      ->capture_default_str();
  AddStorageFlags(serve, f.storage);
  AddLogRetentionFlags(serve, f.log_retention);
  serve->add_option("--config", f.config,
                    "firewatch.yml: server, storage, scrape_configs, rule_files, route, ... "
                    "(check it with `firewatch check config FILE`)");
  serve->footer(
      "Reads are open to anonymous callers; writes need `Authorization: Bearer TOKEN` with a\n"
      "token from server.tokens in the config file or FIREWATCH_TOKEN (an admin token).\n"
      "See docs/server.md and docs/alerting.md.");
  serve->callback([&status, serve] {
    f.data_set = serve->count("--data") > 0;
    f.bind_set = serve->count("--bind") > 0;
    f.port_set = serve->count("--port") > 0;
    Serve(f, status);
  });

  auto* metrics = app.add_subcommand("metrics", "The metrics store");
  metrics->require_subcommand(1);
  auto* import = metrics->add_subcommand(
      "import", "Load an exposition file (e.g. a sim run's metrics.om) into the store");
  static std::string file, data = "data";
  import->add_option("file", file, "OpenMetrics (.om) or Prometheus text file")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--data", data, "Data directory")->capture_default_str();
  static StorageFlags import_storage;
  AddStorageFlags(import, import_storage);
  import->callback([&status] { Import(file, data, import_storage, status);
});

auto* stats = metrics->add_subcommand(
    "stats", "CloudWatch-style statistics per period: Average, Maximum, p99, ...");
static StatsFlags sf;
stats->add_option("--metric", sf.metric, "Metric name")->required();
stats->add_option("--match", sf.match, "label=value, repeatable");
stats->add_option("--start", sf.start, "RFC 3339 or Unix seconds")->required();
stats->add_option("--end", sf.end, "RFC 3339 or Unix seconds (exclusive)")->required();
stats->add_option("--period", sf.period, "Seconds per datapoint")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 2678400.0));
stats
    ->add_option("--statistics", sf.statistics,
                 "Comma-separated: SampleCount,Sum,Average,Minimum,Maximum,pNN")
    ->capture_default_str();
stats->add_option("--data", sf.data, "Data directory")->capture_default_str();
stats->callback([&status] { Stats(sf, status); });
}  // namespace fw::cli

}  // namespace fw::cli
