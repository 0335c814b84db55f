#pragma once
// The response stage's HTTP API, over the server's own stores:
//   POST /api/v1/incidents/:id/analysis   runs root-cause analysis now (window:
//        the incident's onset to now), records it on the timeline, answers
//        with it (the JSON of report/records_json.h)             responder
//   GET  /api/v1/incidents/:id/report?format=markdown|json|html
//        the post-incident report rebuilt from the timeline, impact counted
//        from the log store                                       viewer
// `firewatch rca --incident ID` and `firewatch report --incident ID --server`
// call these.

#include "common/clock.h"
#include "incident/service.h"
#include "rca/analysis.h"
#include "server/http.h"

namespace fw::response {

struct ResponseApiOptions {
  double average_order_value = 0;  // for the report's revenue impact; 0 = not estimated
};

// REQUIRES: everything outlives the server; sources' pointers may be null
// (that evidence is then a gap); sources.logs is also used for impact.
void RegisterResponseApi(server::HttpServer& http, incident::IncidentService& incidents,
                         rca::EvidenceSources sources, Clock& clock,
                         ResponseApiOptions options = {});

}  // namespace fw::response
