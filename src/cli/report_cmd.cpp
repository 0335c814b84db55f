// `firewatch report --incident ID`: the post-incident report of an incident
// on a running server, rebuilt from its timeline (GET /api/v1/incidents/ID),
// its stored action items, and impact counted from the server's logs
// (POST /api/v1/logs/queries). Prints Markdown, JSON or HTML.

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "report/api_json.h"
#include "report/records_json.h"
#include "report/report.h"

namespace fw::cli {
namespace {

using nlohmann::json;

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
  int query_timeout_s = 60;
};

// The server, with the report's --server and --token.
class Server : public ApiClient {
 public:
  explicit Server(const ReportFlags& f) : ApiClient(f.server, f.token) {}
};

// One Logs Insights query through the server: start it, poll until done.
Result<report::QueryRows> RemoteQuery(Server& server, const ReportFlags& f, Clock& clock,
                                      const std::string& query, Timestamp start, Timestamp end) {
  json req = {{"queryString", query},
              {"startTime", FormatRfc3339Millis(start)},
              {"endTime", FormatRfc3339Millis(end)}};
  if (!f.log_groups.empty()) req["logGroupNames"] = f.log_groups;
  auto started = server.Post("/api/v1/logs/queries", req);
  if (!started) return Fail(started.error());
  const std::string id = started->value("queryId", "");
  if (id.empty()) return Fail(ErrorCode::kIo, "the logs API gave no queryId");
  const Timestamp deadline = clock.Now() + f.query_timeout_s * 1000LL;
  for (;;) {
    auto res = server.Get("/api/v1/logs/queries/" + id);
    if (!res) return Fail(res.error());
    const std::string status = res->value("status", "");
    if (status == "Failed") {
      return Fail(ErrorCode::kInvalidArgument, "query failed: " + res->value("error", "?"));
    }
    if (status == "Complete") {
      report::QueryRows rows;
      for (const json& row : (*res)["results"]) {
        std::map<std::string, std::string> cells;
        for (const json& c : row) cells[c.value("field", "")] = c.value("value", "");
        rows.push_back(std::move(cells));
      }
      return rows;
    }
    if (clock.Now() >= deadline) {
      return Fail(ErrorCode::kIo, "query still running after " + std::to_string(f.query_timeout_s) +
                                      " s (raise --query-timeout)");
    }
    clock.SleepUntil(clock.Now() + 200);  // polling a remote query; nothing to wait on locally
  }
}

void AddImpact(Server& server, const ReportFlags& f, Clock& clock, report::ReportInput& in) {
  if (f.no_impact) {
    in.impact_missing = "skipped (--no-impact)";
    return;
  }
  auto [start, end] = report::ImpactWindow(in, clock.Now());
  report::QueryRunner run = [&](const std::string& q, Timestamp from, Timestamp to) {
    return RemoteQuery(server, f, clock, q, from, to);
  };
  auto impact = report::ComputeImpactWith(run, start, end, f.impact);
  if (impact) {
    in.impact = std::move(*impact);
  } else {
    in.impact_missing =
        "the logs query API of " + server.url() + " failed: " + impact.error().ToString();
  }
}

Result<void> SaveActionItems(Server& server, const ReportFlags& f, report::ReportInput& in) {
  if (!in.action_items.empty()) {
    std::cerr << "firewatch: " << f.incident << " already has action items; none saved\n";
    return {};
  }
  json items = json::array();
  for (const report::ActionItem& a : report::DeriveActionItems(in)) {
    items.push_back({{"text", a.text}, {"owner", a.owner}});
  }
  if (items.empty()) return {};
  auto saved = server.Post("/api/v1/incidents/" + f.incident + "/action_items", {{"items", items}});
  if (!saved)
    return Fail(saved.error().WithContext("saving action items (needs a responder token)"));
  auto stored = report::ActionItemsFromApiJson(*saved);
  if (!stored) return Fail(stored.error());
  in.action_items = std::move(*stored);
  std::cerr << "firewatch: saved " << in.action_items.size() << " action items on " << f.incident
            << "\n";
  return {};
}

Result<void> Run(const ReportFlags& f) {
  auto format = report::ParseReportFormat(f.format);
  if (!format) return Fail(format.error().WithContext("--format"));
  if (f.impact.average_order_value < 0) {
    return Fail(ErrorCode::kInvalidArgument, "--average-order-value must not be negative");
  }
  Server server(f);
  RealClock clock;
  auto answer = server.Get("/api/v1/incidents/" + f.incident);
  if (!answer) return Fail(answer.error());
  auto fetched = report::IncidentFromApiJson(*answer);
  if (!fetched) return Fail(fetched.error());
  std::vector<std::string> skipped;
  auto in = report::ReportInputFromTimeline(fetched->incident, fetched->timeline, &skipped);
  if (!in) return Fail(in.error());
  for (const std::string& s : skipped) std::cerr << "firewatch: skipped " << s << "\n";
  in->impact_options = f.impact;
  in->generated_at = clock.Now();
  if (auto items = server.Get("/api/v1/incidents/" + f.incident + "/action_items"); items) {
    auto stored = report::ActionItemsFromApiJson(*items);
    if (stored) in->action_items = std::move(*stored);
  }
  AddImpact(server, f, clock, *in);
  if (f.save_action_items) {
    if (auto r = SaveActionItems(server, f, *in); !r) return r;
  }
  const std::string text = report::RenderReport(*in, *format);
  if (f.out.empty() || f.out == "-") {
    std::cout << text;
    return {};
  }
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Fail(ErrorCode::kIo, "cannot write " + f.out);
  std::cerr << "firewatch: wrote " << f.out << "\n";
  return {};
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
  cmd->add_option("--incident", f.incident, "Incident id, e.g. INC-42")->required();
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
  cmd->add_option("--query-timeout", f.query_timeout_s, "Seconds to wait for each logs query")
      ->capture_default_str();
  cmd->add_flag("--no-impact", f.no_impact, "Do not query the logs");
  cmd->add_flag("--save-action-items", f.save_action_items,
                "Store the proposed action items on the incident (when it has none yet)");
  cmd->callback([&status] {
    if (auto r = Run(f); !r) {
      ReportError(r.error(), status);
      if (r.error().code() == ErrorCode::kNotFound) status.code = 1;
    }
  });
}

}  // namespace fw::cli
