#pragma once
// The incidents HTTP API:
//   GET  /api/v1/incidents?state=&service=&open=true   list
//   GET  /api/v1/incidents/:id                          one, with its timeline
//   POST /api/v1/incidents/:id/{ack,mitigate,resolve,close}
//   POST /api/v1/incidents/:id/notes        {"text": "..."}
//   POST /api/v1/incidents/:id/status       {"text": "..."}  (stakeholder update)
//   POST /api/v1/incidents/:id/severity     {"severity": "P1", "reason": "..."}
//   POST /api/v1/incidents/:id/roles        {"role": "commander", "person": "ann"}
//   GET  /api/v1/incidents/metrics?from=&to=   counts, MTTA and MTTR
//   GET  /api/v1/incidents/:id/action_items     the review's action items
//   POST /api/v1/incidents/:id/action_items     {"text": "...", "owner": "..."}
//        or {"items": [{"text", "owner", "done"}, ...]}; answers the stored items
//   POST /api/v1/incidents/:id/action_items/:aid  {"done": true|false} (default true)
// Writes need the responder role; the token's name is the actor.

#include "incident/service.h"
#include "server/http.h"

namespace fw::incident {

// REQUIRES: service and clock outlive the server.
void RegisterIncidentApi(server::HttpServer& http, IncidentService& service, Clock& clock);

}  // namespace fw::incident
