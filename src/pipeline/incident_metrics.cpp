// Incident figures on firewatch's own /metrics: a scrape rereads only the
// timelines of incidents that moved since the last one.

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {

// MTTA, MTTR and counts per (service, severity) from the whole store, as
// gauges: an incident counts once per service it touches.
void ExportIncidentMetrics(const incident::IncidentService& incidents, server::SelfMetrics& m,
                           Timestamp now, Logger* log, TimelineCache& cache) {
  auto list = incidents.List({});
  if (!list) {
    if (log) log->Error("cannot list incidents for /metrics", {{"error", list.error().ToString()}});
    return;
  }
  TimelineCache current;
  std::map<std::pair<std::string, std::string>, std::vector<incident::IncidentHistory>> by_key;
  for (incident::Incident& inc : *list) {
    auto cached = cache.find(inc.id);
    if (cached == cache.end() || cached->second.first.version != inc.version) {
      auto timeline = incidents.Timeline(inc.id);
      if (!timeline) continue;
      cached = cache.insert_or_assign(inc.id, incident::IncidentHistory{inc, *timeline}).first;
    }
    const incident::IncidentHistory& history =
        current.emplace(inc.id, std::move(cached->second)).first->second;
    const std::string severity(incident::SeverityName(inc.severity));
    std::vector<std::string> services = inc.services;
    if (services.empty()) services.push_back("");
    for (const std::string& service : services) by_key[{service, severity}].push_back(history);
  }
  cache = std::move(current);  // incidents gone from the store leave the cache
  for (const auto& [key, histories] : by_key) {
    const incident::IncidentMetrics s = incident::ComputeMetrics(histories, 0, now + 1);
    LabelSet labels;
    if (!key.first.empty()) labels.Set("service", key.first);
    labels.Set("severity", key.second);
    m.gauge("firewatch_incidents", "Incidents created, by service and severity", labels)
        .Set(static_cast<double>(s.total));
    m.gauge("firewatch_incidents_open", "Incidents not yet resolved, by service and severity",
            labels)
        .Set(static_cast<double>(s.open));
    if (s.mtta.count > 0) {
      m.gauge("firewatch_incident_mtta_seconds",
              "Mean time from an incident's creation to its first acknowledgement", labels)
          .Set(s.mtta.mean_ms / 1000);
    }
    if (s.mttr.count > 0) {
      m.gauge("firewatch_incident_mttr_seconds",
              "Mean time from an incident's creation to its resolution", labels)
          .Set(s.mttr.mean_ms / 1000);
    }
  }
}

}  // namespace fw::pipeline
