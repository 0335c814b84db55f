// RenderJson: see render_json.h.

#include "report/render_json.h"

#include <nlohmann/json.hpp>

#include "report/records_json.h"

namespace fw::report {
namespace {

using nlohmann::json;

json Time(std::optional<Timestamp> t) { return t ? json(FormatRfc3339Millis(*t)) : json(nullptr); }
json Seconds(std::optional<int64_t> ms) { return ms ? json(*ms / 1000.0) : json(nullptr); }

json IncidentJson(const incident::Incident& i) {
  json roles = json::object();
  for (const auto& [role, person] : i.roles) roles[std::string(incident::RoleName(role))] = person;
  return {{"id", i.id},
          {"title", i.title},
          {"severity", incident::SeverityName(i.severity)},
          {"state", incident::StateName(i.state)},
          {"services", i.services},
          {"roles", roles},
          {"createdAt", Time(i.created_at)},
          {"acknowledgedAt", Time(i.acknowledged_at)},
          {"mitigatedAt", Time(i.mitigated_at)},
          {"resolvedAt", Time(i.resolved_at)}};
}

json SummaryJson(const ReportModel& m) {
  return {{"start", Time(m.onset)},
          {"startMs", m.onset},
          {"end", Time(m.end)},
          {"endMs", m.end ? json(*m.end) : json(nullptr)},
          {"ongoing", !m.end.has_value()},
          {"durationSeconds", m.duration_ms / 1000.0},
          {"severity", incident::SeverityName(m.in->incident.severity)},
          {"rootCause", m.top ? json(m.top->category) : json(nullptr)}};
}

json TimelineJson(const ReportModel& m) {
  json milestones = json::array(), events = json::array();
  for (const Milestone& ms : m.milestones) {
    milestones.push_back(
        {{"name", ms.name},
         {"time", Time(ms.time)},
         {"sinceStartSeconds", Seconds(ms.time ? std::optional(*ms.time - m.onset) : std::nullopt)},
         {"from", ms.how}});
  }
  for (const incident::TimelineEntry* e : m.events) {
    events.push_back({{"seq", e->seq},
                      {"time", Time(e->time)},
                      {"actor", e->actor},
                      {"source", e->source},
                      {"kind", incident::EntryKindName(e->kind)},
                      {"text", e->text}});
  }
  return {{"milestones", milestones}, {"events", events}};
}

json RootCauseJson(const ReportModel& m) {
  if (m.top == nullptr) return nullptr;
  json evidence = json::array();
  for (const rca::Evidence* e : m.top_evidence) {
    evidence.push_back({{"id", e->id},
                        {"kind", EvidenceKindText(e->kind)},
                        {"title", e->title},
                        {"detail", e->detail},
                        {"query", e->query},
                        {"language", e->language}});
  }
  json j = {{"category", m.top->category},
            {"confidence", m.top->confidence},
            {"explanation", m.top->explanation},
            {"evidence", evidence},
            {"analysis", AnalysisToJson(*m.in->analysis)}};
  return j;
}

json ImpactJson(const ReportModel& m) {
  const ReportInput& in = *m.in;
  if (!in.impact) {
    return {
        {"computed", false},
        {"reason", in.impact_missing.empty() ? "no request logs were given" : in.impact_missing}};
  }
  const Impact& im = *in.impact;
  const ImpactOptions& o = in.impact_options;
  return {{"computed", true},
          {"start", Time(im.start)},
          {"end", Time(im.end)},
          {"requests", im.requests},
          {"failedRequests", im.failed_requests},
          {"usersAffected", im.users_affected},
          {"failedCheckouts", im.failed_checkouts},
          {"averageOrderValue", o.average_order_value},
          {"revenueImpact", o.average_order_value > 0 ? json(im.revenue_impact) : json(nullptr)},
          {"currency", o.currency},
          {"degradedMinutes", im.degraded_minutes},
          {"queries", im.queries}};
}

json LessonsJson(const ReportModel& m) {
  json timings = json::array();
  for (const Timing& t : m.timings) {
    timings.push_back({{"name", t.name},
                       {"seconds", Seconds(t.ms)},
                       {"targetSeconds", t.target_ms / 1000},
                       {"met", t.ms ? json(t.met()) : json(nullptr)}});
  }
  return {{"timings", timings}, {"wentWell", m.went_well}, {"toImprove", m.to_improve}};
}

}  // namespace

std::string RenderJson(const ReportModel& m) {
  json runs = json::array();
  for (const runbook::RunRecord& r : m.in->runs) runs.push_back(RunRecordToJson(r));
  json items = json::array();
  for (const ActionItem& a : m.action_items) {
    items.push_back({{"id", a.id}, {"text", a.text}, {"owner", a.owner}, {"done", a.done}});
  }
  json out = {{"incident", IncidentJson(m.in->incident)},
              {"summary", SummaryJson(m)},
              {"timeline", TimelineJson(m)},
              {"rootCause", RootCauseJson(m)},
              {"resolution", {{"runs", runs}}},
              {"impact", ImpactJson(m)},
              {"lessons", LessonsJson(m)},
              {"actionItems", items},
              {"actionItemsDerived", m.action_items_derived},
              {"generatedAt", m.in->generated_at > 0 ? Time(m.in->generated_at) : json(nullptr)}};
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace fw::report
