#include "incident/metrics.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

namespace fw::incident {
namespace {

// The state a state_change entry moved to ("" if it is not one).
std::string MovedTo(const TimelineEntry& e) {
  if (e.kind != EntryKind::kStateChange) return "";
  auto j = nlohmann::json::parse(e.details, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("to") || !j["to"].is_string()) return "";
  return j["to"].get<std::string>();
}

}  // namespace

DurationStats Summarize(std::vector<double> v) {
  DurationStats s;
  s.count = v.size();
  if (v.empty()) return s;
  s.mean_ms = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  std::ranges::sort(v);
  const size_t mid = v.size() / 2;
  s.median_ms = v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return s;
}

IncidentMetrics ComputeMetrics(const std::vector<IncidentHistory>& incidents, Timestamp from,
                               Timestamp to) {
  IncidentMetrics m;
  m.from = from;
  m.to = to;
  std::vector<double> ack_ms, resolve_ms;
  for (const auto& [incident, timeline] : incidents) {
    if (incident.created_at < from || incident.created_at >= to) continue;
    ++m.total;
    if (incident.IsOpen()) ++m.open;
    for (const std::string& s : incident.services) ++m.by_service[s];
    ++m.by_severity[static_cast<size_t>(incident.severity) - 1];
    std::optional<Timestamp> first_ack, last_resolve;
    for (const TimelineEntry& e : timeline) {
      const std::string to_state = MovedTo(e);
      if (to_state == "acknowledged" && !first_ack) first_ack = e.time;
      if (to_state == "resolved") last_resolve = e.time;
    }
    if (first_ack) ack_ms.push_back(static_cast<double>(*first_ack - incident.created_at));
    if (last_resolve && !incident.IsOpen()) {
      resolve_ms.push_back(static_cast<double>(*last_resolve - incident.created_at));
    }
  }
  m.mtta = Summarize(std::move(ack_ms));
  m.mttr = Summarize(std::move(resolve_ms));
  return m;
}

Result<IncidentMetrics> ComputeMetrics(const IncidentStore& store, Timestamp from, Timestamp to) {
  IncidentFilter filter;
  filter.created_from = from;
  filter.created_to = to;
  auto incidents = store.List(filter);
  if (!incidents) return Fail(incidents.error());
  std::vector<IncidentHistory> histories;
  for (Incident& i : *incidents) {
    auto timeline = store.Timeline(i.id);
    if (!timeline) return Fail(timeline.error());
    histories.emplace_back(std::move(i), std::move(*timeline));
  }
  return ComputeMetrics(histories, from, to);
}

}  // namespace fw::incident
