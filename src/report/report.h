#pragma once
// The post-incident report, filled from what happened rather than typed by
// hand: the incident and its timeline, the root-cause analysis, the runbook
// runs with their verifications, and impact counted from the logs. Render
// is pure: the same input gives the same document.
//
//   ReportInput in{incident, timeline, &analysis, runs, impact, options};
//   std::string md = RenderReport(in, ReportFormat::kMarkdown);

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "incident/incident.h"
#include "rca/analysis.h"
#include "runbook/execution.h"

namespace fw::logs {
class EventSource;
}

namespace fw::report {

// What users went through, counted from request logs.
struct Impact {
  Timestamp start = 0, end = 0;  // the degraded window
  int64_t requests = 0;
  int64_t failed_requests = 0;       // 5xx
  int64_t users_affected = 0;        // distinct user_id with at least one 5xx
  int64_t failed_checkouts = 0;      // 5xx on the checkout route
  double revenue_impact = 0;         // failed_checkouts * average order value
  double degraded_minutes = 0;       // minutes with error rate over 1% or p99 over 1 s
  std::vector<std::string> queries;  // the Logs Insights queries that counted them
};

struct ImpactOptions {
  std::string checkout_route = "/checkout";
  double average_order_value = 0;  // configured; 0 = revenue not estimated
  std::string currency = "USD";
  // Share of successful requests that are logged (the simulator samples
  // access logs, errors are all logged); successes are scaled by 1/share.
  double access_sample = 1.0;
};

// Counts impact over [start, end) from the log source, with Logs Insights
// queries (recorded in Impact::queries so a reader can rerun them).
Result<Impact> ComputeImpact(logs::EventSource& logs, Timestamp start, Timestamp end,
                             const ImpactOptions& options);

struct ActionItem {
  std::string id;  // "AI-1", stable within an incident
  std::string text;
  std::string owner;  // role or person; "" = unassigned
  bool done = false;
};

struct ReportInput {
  incident::Incident incident;
  std::vector<incident::TimelineEntry> timeline;
  const rca::Analysis* analysis = nullptr;  // may be null: "not analysed"
  std::vector<runbook::RunRecord> runs;
  std::optional<Impact> impact;
  std::string impact_missing;  // why impact is absent ("" = not asked for)
  ImpactOptions impact_options;
  std::vector<ActionItem> action_items;  // stored ones; empty = derive them
  Timestamp generated_at = 0;
  // Keeps `analysis` alive when the input made it (ReportInputFromTimeline);
  // last, so positional initialisation of the fields above still works.
  std::shared_ptr<const rca::Analysis> owned_analysis;
};

enum class ReportFormat { kMarkdown, kJson, kHtml };

Result<ReportFormat> ParseReportFormat(std::string_view name);  // markdown|md|json|html

// Action items the report proposes from what happened (slow detection, a
// failed step, the root cause's prevention), for storing and tracking.
std::vector<ActionItem> DeriveActionItems(const ReportInput& in);

std::string RenderReport(const ReportInput& in, ReportFormat format);

// One Logs Insights query over [start, end): its rows as column -> value
// text (as the logs HTTP API answers). Lets ComputeImpactWith count impact
// from a remote server as well as from a local EventSource.
using QueryRows = std::vector<std::map<std::string, std::string>>;
using QueryRunner =
    std::function<Result<QueryRows>(const std::string& query, Timestamp start, Timestamp end)>;
Result<Impact> ComputeImpactWith(const QueryRunner& run, Timestamp start, Timestamp end,
                                 const ImpactOptions& options);

// The window impact is counted over: from the onset (the analysis's, the
// first alert's or the incident's creation, whichever is earliest) to
// resolution, or to `now` while the incident is open.
std::pair<Timestamp, Timestamp> ImpactWindow(const ReportInput& in, Timestamp now);

}  // namespace fw::report
