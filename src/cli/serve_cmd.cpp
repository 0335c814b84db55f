// `firewatch serve`: the firewatch server. Today it is the metrics store
// behind the Prometheus-compatible API (query, series, labels, remote
// write); later stages register their APIs here too.

#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/server_common.h"
#include "cli/storage_flags.h"
#include "common/duration.h"
#include "common/log.h"
#include "metrics/api/prom_api.h"
#include "metrics/api/stats_api.h"
#include "metrics/ingest/file_import.h"
#include "metrics/stats/statistics.h"
#include "metrics/tsdb/db.h"
#include "pipeline/pipeline.h"
#include "server/http.h"
#include "web/console.h"

namespace fw::cli {
namespace {

struct ServeFlags {
  std::string data = "data";
  std::string bind = "127.0.0.1";
  int port = 9400;
  size_t max_body_bytes = 1 << 20;
  std::string query_timeout = "2m";       // Prometheus's --query.timeout
  size_t query_max_samples = 50'000'000;  // Prometheus's --query.max-samples
  int query_max_depth = 128;
  std::string logs_query_timeout = "60s";
  // Slow clients (docs/server.md, "Limits"); 0 connections: the config's or 1024.
  size_t max_connections = 0, max_connections_per_client = 256;
  std::string header_timeout = "5s", read_timeout = "10s", idle_timeout = "5s",
              write_timeout = "10s";
  std::string require_read_token = "auto";  // auto: only when listening beyond loopback
  std::string config;                       // firewatch.yml; empty: no scraping
  StorageFlags storage;                     // block range, retention
  LogRetentionFlags log_retention;
  double clock_speed = 1;   // drills: run the clock this much faster than real time
  std::string clock_start;  // drills: where the clock starts; "" = now
  bool data_set = false;    // --data given: it wins over storage.dir
  bool bind_set = false;    // --bind / --port given: they win over server.listen
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

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// --web.* flags and server.* keys into the server's options.
Result<void> ApplyWebFlags(const ServeFlags& f, const ServerSettings& s, server::ServerOptions& o) {
  if (f.max_connections > 0) {
    o.max_connections = f.max_connections;
  } else if (s.max_connections > 0) {
    o.max_connections = s.max_connections;
  }
  o.max_connections_per_client = f.max_connections_per_client;
  const std::pair<const char*, std::pair<const std::string*, std::chrono::milliseconds*>>
      timeouts[] = {{"--web.read-header-timeout", {&f.header_timeout, &o.header_timeout}},
                    {"--web.read-timeout", {&f.read_timeout, &o.read_timeout}},
                    {"--web.idle-timeout", {&f.idle_timeout, &o.idle_timeout}},
                    {"--web.write-timeout", {&f.write_timeout, &o.write_timeout}}};
  for (const auto& [flag, slot] : timeouts) {
    auto d = ParseDuration(*slot.first);
    if (!d) return Fail(d.error().WithContext(flag));
    if (d->count() <= 0)
      return Fail(ErrorCode::kInvalidArgument, std::string(flag) + " must be positive");
    *slot.second = std::chrono::milliseconds(d->count());
  }
  bool required = !IsLoopback(o.bind_address);
  if (s.require_read_token) required = *s.require_read_token;
  if (f.require_read_token == "true") {
    required = true;
  } else if (f.require_read_token == "false") {
    required = false;
  } else if (f.require_read_token != "auto") {
    return Fail(ErrorCode::kInvalidArgument,
                "--web.require-read-token must be true, false or auto, got \"" +
                    f.require_read_token + "\"");
  }
  o.allow_anonymous_read = !required;
  return {};
}

// Each connection is a descriptor: as Go's runtime does, take the hard
// limit so that max_connections, not a soft limit of 1024, is what binds.
void RaiseFileLimit(size_t max_connections, Logger& log) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < max_connections + 256) {
    log.Warn(
        "the open-file limit is below the connection limit plus files; new connections "
        "evict idle ones sooner",
        {{"nofile", std::to_string(lim.rlim_cur)},
         {"max_connections", std::to_string(max_connections)}});
  }
}

// The server's clock: real time, or for drills against an accelerated
// `firewatch sim serve`, time that runs --clock.speed times faster from
// --clock.start.
Result<std::unique_ptr<Clock>> ServeClock(const ServeFlags& f, RealClock& real) {
  if (!(f.clock_speed > 0 && f.clock_speed <= 1e6)) {
    return Fail(ErrorCode::kInvalidArgument, "--clock.speed must be in (0, 1000000]");
  }
  if (f.clock_speed == 1 && f.clock_start.empty()) return std::unique_ptr<Clock>();
  Timestamp start = real.Now();
  if (!f.clock_start.empty()) {
    auto t = ParseTimestamp(f.clock_start);
    if (!t) return Fail(t.error().WithContext("--clock.start"));
    start = *t;
  }
  return std::unique_ptr<Clock>(std::make_unique<ScaledClock>(real, start, f.clock_speed));
}

// Re-reads the config file into the running pipeline (SIGHUP, POST /-/reload).
Result<void> ReloadConfig(const std::string& path, pipeline::Pipeline& p, Logger& log) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "serve runs without --config");
  auto loaded = LoadConfigFile(path);
  if (!loaded) {
    log.Error("config reload failed; the running config stays",
              {{"error", loaded.error().ToString()}});
    return Fail(loaded.error());
  }
  if (auto ok = p.Reload(loaded->pipeline); !ok) {
    log.Error("config reload failed; the running config stays", {{"error", ok.error().ToString()}});
    return ok;
  }
  log.Info("config reloaded", {{"file", path}});
  return {};
}

void Serve(const ServeFlags& f, ExitStatus& status) {
  sigset_t stop_signals = BlockStopSignals();
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ConfigFile config;
  if (!f.config.empty()) {
    auto loaded = LoadConfigFile(f.config);
    if (!loaded) return ReportError(loaded.error(), status);
    config = std::move(*loaded);
  }
  const std::string data = f.data_set || config.storage_dir.empty() ? f.data : config.storage_dir;
  RealClock real;
  auto scaled = ServeClock(f, real);
  if (!scaled) return ReportError(scaled.error(), status);
  Clock& clock = *scaled ? **scaled : static_cast<Clock&>(real);
  Logger log(clock, std::cerr);
  pipeline::Options po;
  po.data_dir = data;
  auto db_options = ToDbOptions(f.storage, clock);
  if (!db_options) return ReportError(db_options.error(), status);
  po.db = *db_options;
  if (auto ok = ApplyLogRetention(f.log_retention, po.logs); !ok) {
    return ReportError(ok.error(), status);
  }
  po.scrape = config.scrape;
  auto query_timeout = ParseDuration(f.query_timeout);
  if (!query_timeout)
    return ReportError(query_timeout.error().WithContext("--query.timeout"), status);
  auto logs_timeout = ParseDuration(f.logs_query_timeout);
  if (!logs_timeout) {
    return ReportError(logs_timeout.error().WithContext("--logs.query-timeout"), status);
  }
  po.query_limits.timeout = *query_timeout;
  po.query_limits.max_samples = f.query_max_samples;
  po.query_limits.max_depth = f.query_max_depth;
  po.logs_api.query_timeout_ms = logs_timeout->count();
  bool generated = false;
  std::string admin;
  auto tokens = Tokens(config.server, generated, admin);
  if (!tokens) return ReportError(tokens.error(), status);
  server::ServerOptions opts;
  ApplyServerSettings(f, config.server, opts.bind_address, opts.port);
  if (config.server.threads > 0) opts.threads = static_cast<int>(config.server.threads);
  if (auto ok = ApplyWebFlags(f, config.server, opts); !ok) return ReportError(ok.error(), status);
  RaiseFileLimit(opts.max_connections, log);
  opts.max_body_bytes = f.max_body_bytes;
  opts.tokens = std::move(*tokens);
  server::HttpServer http(opts, clock, &log);
  http.SetReady(false);  // until the pipeline runs
  if (config.pipeline.alerting.external_url.empty()) {
    config.pipeline.alerting.external_url =
        "http://" + DialableAddress(opts.bind_address) + ":" + std::to_string(opts.port);
  }
  auto opened = pipeline::Pipeline::Open(config.pipeline, po, clock, &log);
  if (!opened) return ReportError(opened.error(), status);
  pipeline::Pipeline& p = **opened;
  p.RegisterApis(http);
  web::RegisterWebConsole(
      http, p.incidents(), clock,
      {config.server.public_status, config.server.secure_cookies, config.server.status_components});
  http.Handle("POST", "/-/reload", server::Role::kAdmin, [&](const server::Request&) {
    auto ok = ReloadConfig(f.config, p, log);
    if (!ok) return server::Response::FromError(ok.error());
    return server::Response::Json(200, R"({"status":"success"})");
  });
  // Retention also runs at each segment rotation; this catches a store that
  // stopped growing.
  std::jthread log_retention([&store = p.logs(), &clock, &log](std::stop_token stop) {
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
  auto port = http.Start();
  if (!port) return ReportError(port.error(), status);
  if (generated) {
    std::cerr << "firewatch: no FIREWATCH_TOKEN set; admin token for this run: " << admin << "\n";
  }
  p.Start(&http.metrics());
  http.SetReady(true);
  std::cout << "listening on http://" << DialableAddress(opts.bind_address) << ":" << *port
            << std::endl;
  for (;;) {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    (void)ReloadConfig(f.config, p, log);
  }
  p.Stop();
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
      "serve",
      "Run the firewatch server: scrape, store, alert, open incidents, page, and respond "
      "(analysis, runbooks under approval, verification, reports)");
  static ServeFlags f;
  serve->add_option("--data", f.data, "Data directory (write-ahead log)")->capture_default_str();
  serve->add_option("--bind", f.bind, "Address to listen on (overrides server.listen)")
      ->capture_default_str();
  serve->add_option("--port", f.port, "Port, 0 = any free port (overrides server.listen)")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", f.max_body_bytes, "Largest request body accepted")
      ->capture_default_str();
  serve
      ->add_option("--query.timeout", f.query_timeout,
                   "Longest a PromQL query may run (503 timeout past it); 0s: no limit")
      ->capture_default_str();
  serve
      ->add_option("--query.max-samples", f.query_max_samples,
                   "Most samples a PromQL query may hold in memory (422 past it)")
      ->capture_default_str();
  serve
      ->add_option("--query.max-depth", f.query_max_depth,
                   "Deepest nesting a PromQL expression may have (400 past it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 128));
  serve
      ->add_option("--logs.query-timeout", f.logs_query_timeout,
                   "Longest a Logs Insights query may run")
      ->capture_default_str();
  serve
      ->add_option("--web.max-connections", f.max_connections,
                   "Connections open at once (default: server.max_connections, else 1024); "
                   "past it a new one evicts an idle or slow one")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  serve
      ->add_option("--web.max-connections-per-client", f.max_connections_per_client,
                   "Connections open at once from one IP address (429 past it)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  serve
      ->add_option("--web.read-header-timeout", f.header_timeout,
                   "Longest a request's headers may take to arrive (408 past it)")
      ->capture_default_str();
  serve
      ->add_option("--web.read-timeout", f.read_timeout,
                   "Longest a whole request, headers and body, may take to arrive (408)")
      ->capture_default_str();
  serve
      ->add_option("--web.idle-timeout", f.idle_timeout,
                   "How long a connection with no request in progress stays open")
      ->capture_default_str();
  serve
      ->add_option("--web.write-timeout", f.write_timeout,
                   "Longest a response write may make no progress before the connection closes")
      ->capture_default_str();
  serve
      ->add_option("--web.require-read-token", f.require_read_token,
                   "true: every read needs a token (only /healthz, /readyz, /api/v1/status are "
                   "public); auto: when listening beyond 127.0.0.1/localhost (or "
                   "server.require_read_token)")
      ->capture_default_str();
  AddStorageFlags(serve, f.storage);
  AddLogRetentionFlags(serve, f.log_retention);
  serve
      ->add_option("--clock.speed", f.clock_speed,
                   "Drills: run firewatch's clock this many times faster than real time, to "
                   "follow an accelerated `firewatch sim serve --speed N`")
      ->capture_default_str();
  serve->add_option("--clock.start", f.clock_start,
                    "Drills: the time firewatch's clock starts at (RFC 3339; default now), e.g. "
                    "the scenario's start");
  serve->add_option("--config", f.config,
                    "firewatch.yml: server, storage, scrape_configs, rule_files, route, ... "
                    "(check it with `firewatch check config FILE`)");
  serve->footer(
      "Writes need `Authorization: Bearer TOKEN` with a token from server.tokens in the config\n"
      "file or FIREWATCH_TOKEN (an admin token). Reads are open on 127.0.0.1 and need a token\n"
      "(a viewer, or one with read scopes) when listening beyond it.\n"
      "SIGHUP or POST /-/reload re-reads rules, runbooks, actions and the response policy.\n"
      "See docs/server.md, docs/alerting.md and docs/responder.md.");
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
