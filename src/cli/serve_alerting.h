#pragma once
// The alerting side of `firewatch serve`: rule evaluation over the store,
// the router and durable notifications, incidents opened from notified
// alerts, escalation pages, and the HTTP APIs of all of it. Built from the
// config file's rule_files, route/receivers/inhibit_rules, schedules,
// escalation_policies and incidents keys.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/route.h"
#include "changes/change_log.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"
#include "incident/oncall.h"
#include "incident/service.h"
#include "incident/severity_policy.h"
#include "metrics/tsdb/db.h"
#include "server/http.h"

namespace fw::cli {

struct AlertingSettings {
  Millis evaluation_interval{60'000};
  std::string external_url;             // in notifications; default http://<listen>
  std::vector<std::string> rule_files;  // resolved paths
  alerting::RoutingConfig routing;
  incident::OnCallConfig oncall;
  std::string escalation_policy;  // for new incidents; "" = none
  Millis reopen_window{3'600'000};
  std::optional<incident::SeverityPolicy> severity;  // incidents.severity; unset = default
};

class ServeAlerting {
 public:
  // Loads the rules, opens DATA/incidents.db and DATA/outbox, registers the
  // APIs on `http` (before it starts) and starts the loops.
  static Result<std::unique_ptr<ServeAlerting>> Start(const AlertingSettings& settings,
                                                      metrics::tsdb::Db& db,
                                                      const std::string& data_dir,
                                                      server::HttpServer& http, Clock& clock,
                                                      Logger& log);
  ~ServeAlerting();

  // Ingestion calls this after samples are stored (early rule evaluation).
  void Appended(const std::vector<metrics::tsdb::LabeledSample>& batch);
  // For the stages built on top (analysis and reports over the API).
  incident::IncidentService& incidents();
  const changes::ChangeLog& changes() const;
  void Stop();

  struct Impl;

 private:
  explicit ServeAlerting(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::cli
