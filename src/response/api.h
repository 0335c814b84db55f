#pragma once
// The response stage's HTTP API, over the server's own stores:
//   POST /api/v1/incidents/:id/analysis   runs root-cause analysis now (window:
//        the incident's onset to now), records it on the timeline, answers
//        with it (the JSON of report/records_json.h)             responder
//   GET  /api/v1/incidents/:id/report?format=markdown|json|html
//        the post-incident report (response/report_assembly.h); optional
//        average_order_value, currency, checkout_route, access_sample,
//        log_group (repeatable), impact=false                      viewer
//   POST the same, and stores the proposed action items when the
//        incident has none                                         responder
// `firewatch rca --incident ID` and `firewatch report --incident ID --server`
// call these.

#include "common/clock.h"
#include "incident/service.h"
#include "rca/analysis.h"
#include "report/report.h"
#include "server/http.h"

namespace fw::logs::store {
class LogStore;
}

namespace fw::response {

struct ResponseApiOptions {
  report::ImpactOptions impact;  // defaults for the report's impact (firewatch.yml reports:)
  // For ?log_group= (impact counted in those groups only); null: ignored.
  const logs::store::LogStore* log_store = nullptr;
};

// REQUIRES: everything outlives the server; sources' pointers may be null
// (that evidence is then a gap); sources.logs is also used for impact.
void RegisterResponseApi(server::HttpServer& http, incident::IncidentService& incidents,
                         rca::EvidenceSources sources, Clock& clock,
                         ResponseApiOptions options = {});

}  // namespace fw::response
