#include "web/status_page.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace fw::web {
namespace {

using incident::Incident;
using incident::Severity;
using incident::State;
using nlohmann::json;

constexpr Timestamp kDay = 86'400'000;
constexpr char kWholeSystem[] = "all services";

// Worse states rank higher.
int Rank(std::string_view state) {
  if (state == "major_outage") return 3;
  if (state == "partial_outage") return 2;
  if (state == "degraded") return 1;
  return 0;
}

std::string ImpactOf(const Incident& i) {
  if (i.state == State::kMitigated) return "degraded";
  if (i.severity == Severity::kP1) return "major_outage";
  if (i.severity == Severity::kP2) return "partial_outage";
  return "degraded";
}

bool IsOpen(const Incident& i) {
  return i.state == State::kTriggered || i.state == State::kAcknowledged ||
         i.state == State::kMitigated;
}

// The incident's public face: title, severity, state, times and updates.
Result<json> PublicIncident(const incident::IncidentService& svc, const Incident& i) {
  auto timeline = svc.Timeline(i.id);
  if (!timeline) return Fail(timeline.error());
  json updates = json::array();
  for (const incident::TimelineEntry& e : *timeline) {
    if (e.kind != incident::EntryKind::kStatusUpdate) continue;
    updates.push_back({{"time", FormatRfc3339Millis(e.time)}, {"text", e.text}});
  }
  json out = {{"title", i.title},
              {"severity", incident::SeverityName(i.severity)},
              {"state", incident::StateName(i.state)},
              {"impact", ImpactOf(i)},
              {"services", i.services},
              {"started", FormatRfc3339Millis(i.created_at)},
              {"resolved", i.resolved_at ? json(FormatRfc3339Millis(*i.resolved_at)) : json()},
              {"updates", updates}};
  return out;
}

}  // namespace

Result<std::string> StatusPageJson(const incident::IncidentService& svc, Timestamp now,
                                   const std::vector<std::string>& configured) {
  incident::IncidentFilter f;
  f.created_from = now - kStatusHistoryDays * kDay;
  f.limit = 500;
  auto recent = svc.List(f);
  if (!recent) return Fail(recent.error());
  incident::IncidentFilter open;
  open.open_only = true;
  open.limit = 100;
  auto still_open = svc.List(open);
  if (!still_open) return Fail(still_open.error());

  std::map<std::string, std::string> components;
  for (const std::string& c : configured) components.emplace(c, "operational");
  for (const Incident& i : *recent) {
    for (const std::string& s : i.services) components.emplace(s, "operational");
  }
  // An incident that names no service touches them all; with none named at
  // all, the whole system is the one component.
  if (components.empty()) components.emplace(kWholeSystem, "operational");
  json open_json = json::array();
  std::string overall = "operational";
  for (const Incident& i : *still_open) {
    const std::string impact = ImpactOf(i);
    for (auto& [name, state] : components) {
      const bool touched = i.services.empty() || std::find(i.services.begin(), i.services.end(),
                                                           name) != i.services.end();
      if (touched && Rank(impact) > Rank(state)) state = impact;
    }
    if (Rank(impact) > Rank(overall)) overall = impact;
    auto j = PublicIncident(svc, i);
    if (!j) return Fail(j.error());
    open_json.push_back(std::move(*j));
  }
  json history = json::array();
  for (const Incident& i : *recent) {
    if (IsOpen(i)) continue;
    auto j = PublicIncident(svc, i);
    if (!j) return Fail(j.error());
    history.push_back(std::move(*j));
  }
  json comps = json::array();
  for (const auto& [name, state] : components) comps.push_back({{"name", name}, {"state", state}});
  json body = {{"status", "success"},
               {"data",
                {{"generated", FormatRfc3339Millis(now)},
                 {"days", kStatusHistoryDays},
                 {"overall", overall},
                 {"components", comps},
                 {"incidents", open_json},
                 {"history", history}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fw::web
