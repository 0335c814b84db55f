#include "cli/demo_summary.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "logs/store/log_store.h"
#include "pipeline/pipeline.h"
#include "pipeline/sim_driver.h"
#include "report/records_json.h"
#include "report/report.h"
#include "response/report_assembly.h"

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

Result<void> WriteReports(pipeline::Pipeline& p, Timestamp now,
                          const response::Responder& responder, const std::string& report_file,
                          const std::string& format_name, double average_order_value,
                          DemoOutcome& outcome) {
  auto format = report::ParseReportFormat(format_name);
  if (!format) return Fail(format.error());
  logs::store::StoreEventSource logs(p.logs());
  response::ReportAssemblyOptions ro;
  ro.impact.average_order_value = average_order_value;
  ro.store_action_items = true;  // the review's action items, tracked to done
  for (size_t i = 0; i < responder.cases().size(); ++i) {
    const std::string& id = responder.cases()[i]->incident_id;
    auto in = response::AssembleReport(p.incidents(), id, {&logs, &p.changes()}, now, ro);
    if (!in) return Fail(in.error());
    const std::string path = ReportPath(report_file, i, id);
    if (auto w = WriteFile(path, report::RenderReport(*in, *format)); !w) return w;
    outcome.reports.push_back(path);
  }
  return {};
}

std::string DemoSummaryJson(pipeline::Pipeline& p, const pipeline::SimDriver& sim,
                            const response::Responder& responder, const DemoOutcome& outcome) {
  const Timestamp start = sim.start();
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
              {"simulated_seconds", static_cast<double>(sim.now() - start) / 1000.0},
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
