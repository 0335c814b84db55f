#pragma once
// The alerting stage's HTTP API, in the shapes existing tools speak:
//   GET  /api/v1/rules, /api/v1/alerts       Prometheus (Grafana, promtool)
//   POST /api/v2/alerts                      Alertmanager API v2: a real
//                                            Prometheus can use firewatch as
//                                            its Alertmanager
//   GET/POST /api/v2/silences, DELETE /api/v2/silence/:id   Alertmanager
//   POST /api/v1/intake/alertmanager         an Alertmanager webhook (v4)
//   POST /v2/enqueue, /v2/change/enqueue     PagerDuty Events API v2 (also at
//        /api/v1/intake/pagerduty[/change]); change events go to the change log
//   GET  /api/v1/changes                     change events received
//   GET  /api/v2/alerts                      the router's alerts (Alertmanager shape)
//   GET  /api/v1/time_intervals              maintenance windows, active now or not
//   GET  /api/v1/alerts/explain?fingerprint=F or ?alert={labels JSON}
//                                            why an alert is (not) notified
// Writes need the responder role. Intake is idempotent: re-sending the same
// alert (labels) or PagerDuty dedup_key updates instead of duplicating; with
// a journal it is durable when answered (503 when it could not be written).

#include "alerting/alerting_service.h"
#include "alerting/intake_journal.h"
#include "alerting/rule_manager.h"
#include "changes/change_log.h"
#include "server/http.h"

namespace fw::alerting {

struct IntakeOptions {
  changes::ChangeLog* changes = nullptr;  // where change events go; null = kept for the list only
  // Intake is made durable here before it is answered; null = not durable.
  IntakeSink* journal = nullptr;
  std::vector<RoutedAlert> replayed;  // what the journal gave back at start-up
};

// REQUIRES: everything outlives the server; rules may be null.
void RegisterAlertingApi(server::HttpServer& http, AlertingService& service, RuleManager* rules,
                         Clock& clock, IntakeOptions intake = {});

}  // namespace fw::alerting
