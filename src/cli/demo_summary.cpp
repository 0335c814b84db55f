#include "cli/demo_summary.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "logs/store/log_store.h"
#include "report/records_json.h"
#include "report/report.h"
#include "response/sim_pipeline.h"

namespace fw::cli {
namespace {

using nlohmann::json;

std::string ReportPath(const std::string& first, size_t index, const std::string& id) {
  if (index == 0) return first;
  std::filesystem::path p(first);
  return (p.parent_path() / (p.stem().string() + "-" + id + p.extension().string())).string();
}

Result<void> WriteFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Fail(ErrorCode::kIo, "cannot write " + path);
  return {};
}

// Seconds from the scenario start; null when the moment never came.
json Offset(std::optional<Timestamp> t, Timestamp start) {
  if (!t || *t == 0) return nullptr;
  return static_cast<double>(*t - start) / 1000.0;
}

}  // namespace

Result<void> WriteReports(response::SimPipeline& p, const response::Responder& responder,
                          const std::string& report_file, const std::string& format_name,
                          double average_order_value, DemoOutcome& outcome) {
  auto format = report::ParseReportFormat(format_name);
  if (!format) return Fail(format.error());
  incident::IncidentService& incidents = p.incidents();
  logs::store::StoreEventSource logs(p.logs());
  for (size_t i = 0; i < responder.cases().size(); ++i) {
    const std::string& id = responder.cases()[i]->incident_id;
    auto inc = incidents.Get(id);
    if (!inc) return Fail(inc.error());
    auto timeline = incidents.Timeline(id);
    if (!timeline) return Fail(timeline.error());
    auto in = report::ReportInputFromTimeline(*inc, *timeline);
    if (!in) return Fail(in.error());
    in->generated_at = p.now();
    in->impact_options.average_order_value = average_order_value;
    const auto [from, to] = report::ImpactWindow(*in, p.now());
    auto impact = report::ComputeImpact(logs, from, to, in->impact_options);
    if (impact) in->impact = *impact;
    // The review's action items are stored, so they can be tracked to done.
    std::vector<incident::ActionItem> items;
    for (const report::ActionItem& a : report::DeriveActionItems(*in)) {
      incident::ActionItem item;
      item.text = a.text;
      item.owner = a.owner;
      items.push_back(std::move(item));
    }
    auto stored = incidents.AddActionItems(id, items, {"firewatch", "report"});
    if (!stored) return Fail(stored.error());
    for (const incident::ActionItem& a : *stored) {
      in->action_items.push_back({a.id, a.text, a.owner, a.done});
    }
    const std::string path = ReportPath(report_file, i, id);
    if (auto w = WriteFile(path, report::RenderReport(*in, *format)); !w) return w;
    outcome.reports.push_back(path);
  }
  return {};
}

std::string DemoSummaryJson(response::SimPipeline& p, const response::Responder& responder,
                            const DemoOutcome& outcome) {
  const Timestamp start = p.start();
  json incidents = json::array();
  for (size_t i = 0; i < responder.cases().size(); ++i) {
    const response::ResponseCase& c = *responder.cases()[i];
    auto inc = p.incidents().Get(c.incident_id);
    if (!inc) continue;
    json j = {{"id", inc->id},
              {"title", inc->title},
              {"severity", std::string(incident::SeverityName(inc->severity))},
              {"state", std::string(incident::StateName(inc->state))},
              {"response", response::CasePhaseName(c.phase)},
              {"detected_s", Offset(inc->created_at, start)},
              {"acknowledged_s", Offset(c.acknowledged, start)},
              {"containment_started_s", Offset(c.containment_started, start)},
              {"mitigated_s", Offset(c.mitigated, start)},
              {"resolved_s", Offset(c.resolved, start)},
              {"runbook", c.runbook},
              {"report", i < outcome.reports.size() ? json(outcome.reports[i]) : json(nullptr)}};
    json hypotheses = json::array();
    if (c.analysis) {
      for (const rca::Hypothesis& h : c.analysis->hypotheses) {
        json hj = {{"category", h.category}, {"confidence", h.confidence}, {"runbook", h.runbook}};
        if (h.suspect_change) {
          const rca::SuspectChange& s = *h.suspect_change;
          hj["suspect_change"] = {{"service", s.service},
                                  {"version", s.version},
                                  {"previous_version", s.previous_version},
                                  {"time_s", Offset(s.time, start)}};
        } else {
          hj["suspect_change"] = nullptr;
        }
        hypotheses.push_back(std::move(hj));
      }
    }
    j["hypotheses"] = std::move(hypotheses);
    json actions = json::array();
    for (const runbook::RunRecord& run : c.runs) {
      for (const runbook::StepRecord& s : run.steps) {
        if (s.status == runbook::StepStatus::kPending) continue;
        actions.push_back({{"runbook", run.runbook},
                           {"step", s.name},
                           {"kind", s.kind},
                           {"phase", s.phase},
                           {"action", s.action},
                           {"status", std::string(report::StepStatusText(s.status))},
                           {"command", s.command},
                           {"message", s.message},
                           {"at_s", Offset(s.started, start)}});
      }
    }
    j["actions"] = std::move(actions);
    incidents.push_back(std::move(j));
  }
  json out = {{"scenario", outcome.scenario},
              {"wall_seconds", outcome.wall_seconds},
              {"simulated_seconds", static_cast<double>(p.now() - start) / 1000.0},
              {"first_errors_s", Offset(outcome.first_errors, start)},
              {"approvals", "granted automatically: no human in the loop"},
              {"incidents", incidents}};
  // The headline incident's fields at the top level, for scripts.
  if (!incidents.empty()) {
    for (const char* key : {"severity", "detected_s", "acknowledged_s", "mitigated_s", "resolved_s",
                            "hypotheses", "actions", "report"}) {
      out[key] = incidents[0][key];
    }
  }
  return out.dump(2) + "\n";
}

}  // namespace fw::cli
