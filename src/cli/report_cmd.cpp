// `firewatch report --incident ID`: the post-incident report of an incident
// on a running server, as the server assembles it from the timeline, the
// change events, the stored action items and impact counted from its logs
// (GET /api/v1/incidents/ID/report). Prints Markdown, JSON or HTML.
// `firewatch report noise --since 30d`: the incident-fatigue report
// (notify/noise_report.h) of a server, or of a data directory (--data).

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "incident/sqlite_store.h"
#include "notify/noise_report.h"
#include "report/report.h"

namespace fw::cli {
namespace {

struct ReportFlags {
  std::string server = "http://127.0.0.1:9400";
  std::string token;
  std::string incident;
  std::string format = "markdown";
  std::string out;
  report::ImpactOptions impact;
  std::vector<std::string> log_groups;
  bool no_impact = false;
  bool save_action_items = false;
};

// The server assembles the report (response/report_assembly.h), as it does
// for its API and the demo: one assembly, one answer. POST also stores the
// proposed action items.
Result<void> Run(const ReportFlags& f) {
  auto format = report::ParseReportFormat(f.format);
  if (!format) return Fail(format.error().WithContext("--format"));
  if (f.impact.average_order_value < 0) {
    return Fail(ErrorCode::kInvalidArgument, "--average-order-value must not be negative");
  }
  std::string path = "/api/v1/incidents/" + UrlEncode(f.incident) +
                     "/report?format=" + UrlEncode(f.format) +
                     "&currency=" + UrlEncode(f.impact.currency) +
                     "&checkout_route=" + UrlEncode(f.impact.checkout_route);
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, "&average_order_value=%.17g&access_sample=%.17g",
                f.impact.average_order_value, f.impact.access_sample);
  path += numbers;
  for (const std::string& g : f.log_groups) path += "&log_group=" + UrlEncode(g);
  if (f.no_impact) path += "&impact=false";
  ApiClient server(f.server, f.token);
  auto text = server.Text(f.save_action_items ? "POST" : "GET", path);
  if (!text) {
    return Fail(f.save_action_items
                    ? text.error().WithContext("saving action items (needs a responder token)")
                    : text.error());
  }
  if (f.out.empty() || f.out == "-") {
    std::cout << *text;
    return {};
  }
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out << *text;
  out.close();
  if (!out) return Fail(ErrorCode::kIo, "cannot write " + f.out);
  std::cerr << "firewatch: wrote " << f.out << "\n";
  return {};
}

struct NoiseFlags {
  std::string since = "30d", to, time_zone, data, config;
  bool json_out = false;
};

// From a data directory (a stopped server's, or the demo's out/demo/data):
// the incident store read in place.
Result<std::string> LocalNoise(const NoiseFlags& n) {
  notify::NoiseOptions o;
  auto since = ParseDuration(n.since);
  if (!since) return Fail(since.error().WithContext("--since"));
  if (!n.time_zone.empty()) {
    auto tz = TimeZone::Load(n.time_zone);
    if (!tz) return Fail(tz.error().WithContext("--time-zone"));
    o.zone = *tz;
  }
  std::optional<ConfigFile> cfg;
  if (!n.config.empty()) {
    auto loaded = LoadConfigFile(n.config);
    if (!loaded) return Fail(loaded.error());
    cfg = std::move(*loaded);
    o.people = &cfg->pipeline.alerting.paging;
  }
  const std::string db = n.data + "/incidents.db";
  if (!std::ifstream(db)) return Fail(ErrorCode::kNotFound, "no incident store at " + db);
  auto store = incident::SqliteStore::Open(db);
  if (!store) return Fail(store.error());
  RealClock clock;
  incident::IncidentService incidents(**store, clock);
  // The window ends at --to, else at the data's last timeline entry: a
  // stopped server's (or the demo's simulated) time, not the reader's.
  if (!n.to.empty()) {
    auto t = ParseTimestamp(n.to);
    if (!t) return Fail(t.error().WithContext("--to"));
    o.to = *t;
  } else {
    auto newest = incidents.List({.limit = 1});
    if (!newest) return Fail(newest.error());
    auto timeline = newest->empty() ? Result<std::vector<incident::TimelineEntry>>()
                                    : incidents.Timeline(newest->front().id);
    if (!timeline) return Fail(timeline.error());
    o.to = timeline->empty() ? clock.Now() : timeline->back().time + 1;
  }
  o.from = o.to - since->count();
  auto r = notify::BuildNoiseReport(incidents, o);
  if (!r) return Fail(r.error());
  return n.json_out ? notify::NoiseJson(*r).dump(2) + "\n" : notify::NoiseText(*r);
}

Result<std::string> Noise(const NoiseFlags& n, const ReportFlags& f) {
  if (!n.data.empty()) return LocalNoise(n);
  std::string path = "/api/v1/reports/noise?since=" + UrlEncode(n.since);
  if (!n.to.empty()) path += "&to=" + UrlEncode(n.to);
  if (!n.time_zone.empty()) path += "&time_zone=" + UrlEncode(n.time_zone);
  ApiClient server(f.server, f.token);
  if (n.json_out) {
    auto j = server.Get(path);
    if (!j) return Fail(j.error());
    return (*j)["data"].dump(2) + "\n";
  }
  return server.Text("GET", path + "&format=text");
}

}  // namespace

void RegisterReport(CLI::App& app, ExitStatus& status) {
  static ReportFlags f;
  auto* cmd = app.add_subcommand(
      "report",
      "Write the post-incident report of an incident on a running server: summary, timeline, "
      "root cause, resolution, impact from the logs, lessons learned and action items");
  cmd->footer(
      "The report is rebuilt from the incident's timeline, so it needs only the server's HTTP "
      "API.\nImpact is counted with Logs Insights queries over the server's logs from the onset "
      "to\nresolution; the queries are printed in the report. See docs/reports.md.");
  cmd->add_option("--incident", f.incident, "Incident id, e.g. INC-42 (required)");
  cmd->add_option("--server", f.server, "firewatch server URL")
      ->capture_default_str()
      ->envname("FIREWATCH_SERVER");
  cmd->add_option("--token", f.token, "Bearer token (default: $FIREWATCH_TOKEN)");
  cmd->add_option("--format", f.format, "markdown (md), json or html")->capture_default_str();
  cmd->add_option("--out", f.out, "Write to this file instead of stdout");
  cmd->add_option("--average-order-value", f.impact.average_order_value,
                  "Average order value, to estimate revenue lost to failed checkouts (0 = none)")
      ->capture_default_str();
  cmd->add_option("--currency", f.impact.currency, "Currency of the order value")
      ->capture_default_str();
  cmd->add_option("--checkout-route", f.impact.checkout_route,
                  "The route whose 5xx count as failed checkouts")
      ->capture_default_str();
  cmd->add_option("--access-sample", f.impact.access_sample,
                  "Share of successful requests that are logged (errors all are), in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--log-group", f.log_groups,
                  "Log group to count impact in (repeatable; "
                  "default all)");
  cmd->add_flag("--no-impact", f.no_impact, "Do not query the logs");
  cmd->add_flag("--save-action-items", f.save_action_items,
                "Store the proposed action items on the incident (when it has none yet)");
  static NoiseFlags n;
  auto* noise = cmd->add_subcommand(
      "noise",
      "Incident fatigue over a window: pages per person and per rule, off-hours pages, "
      "incidents nobody acted on, flapping rules, MTTA by hour, with suggestions");
  noise->add_option("--since", n.since, "Window length before --to, e.g. 30d")
      ->capture_default_str();
  noise->add_option("--to", n.to, "Window end, RFC 3339 (default: now)");
  noise->add_option("--time-zone", n.time_zone, "Zone for MTTA by hour (default UTC)");
  noise->add_option("--data", n.data,
                    "Read this data directory's incident store instead of asking a server "
                    "(e.g. out/demo/data)");
  noise->add_option("--config", n.config, "With --data: firewatch.yml, for the people's zones");
  noise->add_flag("--json", n.json_out, "Print JSON");
  noise->add_option("--server", f.server, "firewatch server URL (without --data)")
      ->capture_default_str()
      ->envname("FIREWATCH_SERVER");
  noise->add_option("--token", f.token, "Bearer token (default: $FIREWATCH_TOKEN)");
  noise->callback([&status] {
    auto text = Noise(n, f);
    if (!text) return ReportError(text.error(), status);
    std::cout << *text;
  });
  cmd->callback([&status, noise] {
    if (noise->parsed()) return;
    if (f.incident.empty()) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "--incident is required (or use `firewatch report noise`)"),
                         status);
    }
    if (auto r = Run(f); !r) {
      ReportError(r.error(), status);
      if (r.error().code() == ErrorCode::kNotFound) status.code = 1;
    }
  });
}

}  // namespace fw::cli
