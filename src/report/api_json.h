#pragma once
// Reading the incidents HTTP API's answers back into the model, so that
// `firewatch report` can rebuild a report from a running server: the
// incident with its timeline (GET /api/v1/incidents/:id) and its action
// items (GET .../action_items). Accepts the "data" member or the whole
// answer. Errors name the field that was missing or malformed.

#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"
#include "incident/incident.h"
#include "report/report.h"

namespace fw::report {

struct FetchedIncident {
  incident::Incident incident;
  std::vector<incident::TimelineEntry> timeline;
};

Result<FetchedIncident> IncidentFromApiJson(const nlohmann::json& answer);
Result<std::vector<ActionItem>> ActionItemsFromApiJson(const nlohmann::json& answer);

}  // namespace fw::report
