// `firewatch serve`: the firewatch server. Today it is the metrics store
// behind the Prometheus-compatible API (query, series, labels, remote
// write); later stages register their APIs here too.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/server_common.h"
#include "common/log.h"
#include "metrics/api/prom_api.h"
#include "metrics/api/stats_api.h"
#include "metrics/ingest/file_import.h"
#include "metrics/stats/statistics.h"
#include "metrics/tsdb/db.h"
#include "server/http.h"

namespace fw::cli {
namespace {

struct ServeFlags {
  std::string data = "data";
  std::string bind = "127.0.0.1";
  int port = 9400;
  size_t max_body_bytes = 32 << 20;
};

void Serve(const ServeFlags& f, ExitStatus& status) {
  sigset_t stop_signals = BlockStopSignals();
  RealClock clock;
  Logger log(clock, std::cerr);
  auto db = metrics::tsdb::Db::Open(f.data);
  if (!db) return ReportError(db.error(), status);
  const auto& opened = (*db)->open_stats();
  log.Info("metrics store opened", {{"data", f.data},
                                    {"series", std::to_string(opened.series)},
                                    {"samples", std::to_string(opened.samples)},
                                    {"torn_tail_repaired", opened.torn_tail ? "true" : "false"}});
  auto token = AdminTokenFromEnv();
  if (!token) return ReportError(token.error(), status);
  server::ServerOptions opts;
  opts.bind_address = f.bind;
  opts.port = f.port;
  opts.max_body_bytes = f.max_body_bytes;
  opts.tokens.push_back({token->token, server::Role::kAdmin, "admin"});
  server::HttpServer http(opts, clock, &log);
  metrics::api::RegisterPrometheusApi(http, **db, clock);
  metrics::api::RegisterStatsApi(http, **db, clock);
  auto port = http.Start();
  if (!port) return ReportError(port.error(), status);
  if (token->generated) {
    std::cerr << "firewatch: no FIREWATCH_TOKEN set; admin token for this run: " << token->token
              << "\n";
  }
  std::cout << "listening on http://" << DialableAddress(f.bind) << ":" << *port << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  http.Stop();
  log.Info("stopped");
}

void Import(const std::string& file, const std::string& data, ExitStatus& status) {
  auto db = metrics::tsdb::Db::Open(data);
  if (!db) return ReportError(db.error(), status);
  auto imported = metrics::ingest::ImportFile(file);
  if (!imported) return ReportError(imported.error(), status);
  std::vector<metrics::tsdb::LabeledSample> batch;
  size_t accepted = 0, rejected = 0;
  for (auto& s : imported->series) {
    for (const metrics::Sample& x : s.samples) batch.push_back({s.labels, x});
    if (batch.size() >= 100'000) {
      auto st = (*db)->Append(batch);
      if (!st) return ReportError(st.error(), status);
      accepted += st->accepted;
      rejected += st->rejected;
      batch.clear();
    }
  }
  auto st = (*db)->Append(batch);
  if (!st) return ReportError(st.error(), status);
  accepted += st->accepted;
  rejected += st->rejected;
  std::cout << "imported " << accepted << " samples of " << imported->series.size()
            << " series into " << data;
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
  auto db = metrics::tsdb::Db::Open(f.data);
  if (!db) return ReportError(db.error(), status);
  auto points = metrics::stats::ComputeStatistics((*db)->head(), r);
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
  serve->add_option("--bind", f.bind, "Address to listen on")->capture_default_str();
  serve->add_option("--port", f.port, "Port (0 = any free port)")->capture_default_str();
  serve->add_option("--max-body-bytes", f.max_body_bytes, "Largest request body accepted")
      ->capture_default_str();
  serve->footer(
      "Reads are open on 127.0.0.1; remote write needs `Authorization: Bearer $FIREWATCH_TOKEN`.\n"
      "See docs/metrics.md.");
  serve->callback([&status] { Serve(f, status); });

  auto* metrics = app.add_subcommand("metrics", "The metrics store");
  metrics->require_subcommand(1);
  auto* import = metrics->add_subcommand(
      "import", "Load an exposition file (e.g. a sim run's metrics.om) into the store");
  static std::string file, data = "data";
  import->add_option("file", file, "OpenMetrics (.om) or Prometheus text file")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--data", data, "Data directory")->capture_default_str();
  import->callback([&status] { Import(file, data, status);
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
