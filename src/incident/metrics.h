#pragma once
// Incident metrics over a time range: counts per service and severity, and
// the two response times teams track, MTTA (created -> first acknowledged)
// and MTTR (created -> resolved, for incidents resolved now). Times come
// from the timeline, so a reopened incident counts its whole history.
// A plain struct, rendered by the /metrics exporter and the API.

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "incident/store.h"

namespace fw::incident {

struct DurationStats {
  size_t count = 0;
  double mean_ms = 0;
  double median_ms = 0;  // the mean of the middle two for an even count
};

struct IncidentMetrics {
  Timestamp from = 0, to = 0;  // incidents created in [from, to)
  size_t total = 0;
  size_t open = 0;
  std::map<std::string, size_t> by_service;  // an incident counts once per service
  std::array<size_t, 4> by_severity{};       // index 0 = P1
  DurationStats mtta, mttr;
};

using IncidentHistory = std::pair<Incident, std::vector<TimelineEntry>>;

IncidentMetrics ComputeMetrics(const std::vector<IncidentHistory>& incidents, Timestamp from,
                               Timestamp to);

// Reads the incidents created in [from, to) and their timelines from `store`.
Result<IncidentMetrics> ComputeMetrics(const IncidentStore& store, Timestamp from, Timestamp to);

DurationStats Summarize(std::vector<double> values_ms);

}  // namespace fw::incident
