#pragma once
// The status page's data (GET /api/v1/status/page): what stakeholders may
// see and nothing internal. Components are the services of the last 90 days'
// incidents (or "all services" when none names one), each with the state its
// worst open incident gives it (an incident naming no service touches all); open
// incidents carry their public updates (the timeline's status_update
// entries, written with POST /api/v1/incidents/ID/status or
// `firewatch incident status`); history lists the last 90 days' incidents.
// No ids, labels, people or other timeline entries leave the server.

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "incident/service.h"

namespace fw::web {

inline constexpr int kStatusHistoryDays = 90;

// The JSON body {"status":"success","data":{...}}; fails when the store does.
// components: listed whether or not an incident touched them.
Result<std::string> StatusPageJson(const incident::IncidentService& incidents, Timestamp now,
                                   const std::vector<std::string>& components = {});

}  // namespace fw::web
