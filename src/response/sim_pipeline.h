#pragma once
// SimPipeline: firewatch's detection stages fed by the embedded simulated
// production, in the simulation's own time. Each Step() advances the
// simulator by one step and does what a server would do with it: stores
// the metrics as a scrape of every target (honor_labels, job = the service)
// would, the log lines and the change events; evaluates the rule groups
// when due and right after each scrape (early evaluation); routes the
// alerts; delivers each notification to its receivers' webhooks; and opens
// or updates the incident.
//
// Single-threaded and deterministic: the only clock is the simulator's, so
// `firewatch demo` runs an hour of production in seconds and tests get the
// same story every time. The metrics store, log store and incident store
// are the real, durable ones, under options.data_dir.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerting/route.h"
#include "alerting/rule_file.h"
#include "changes/change_log.h"
#include "common/clock.h"
#include "common/error.h"
#include "incident/service.h"
#include "sim/scenario.h"

namespace fw::metrics::tsdb {
class Db;
}
namespace fw::metrics::promql {
class Queryable;
}
namespace fw::logs::store {
class LogStore;
}
namespace fw::sim {
class Simulator;
}

namespace fw::response {

struct SimPipelineOptions {
  std::string data_dir;  // created if missing; metrics, logs/, incidents.db
  std::vector<alerting::RuleGroup> rules;
  alerting::RoutingConfig routing;
  incident::IncidentPolicy policy;
  std::string external_url = "http://127.0.0.1:9400";  // in notifications
};

// What happened in a step, for whoever narrates (the demo) or asserts.
class PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;
  virtual void OnAlert(const std::string& /*rule*/, const LabelSet& /*labels*/, bool /*firing*/,
                       Timestamp /*at*/) {}
  virtual void OnNotification(const std::string& /*receiver*/, const std::string& /*url*/,
                              bool /*delivered*/, const std::string& /*detail*/, Timestamp /*at*/) {
  }
  virtual void OnIncident(const incident::Incident& /*incident*/, bool /*opened*/) {}
};

class SimPipeline {
 public:
  static Result<std::unique_ptr<SimPipeline>> Open(sim::Scenario scenario,
                                                   SimPipelineOptions options);
  ~SimPipeline();

  void set_observer(PipelineObserver* observer);  // may be null; not owned

  // One simulator step and everything that falls due with it.
  Result<void> Step();
  Timestamp now() const;
  Timestamp start() const;
  bool done() const;

  // The parts, for the responder and the API. The simulator is only for
  // action adapters and diagnostics, which stand in for a real cluster's API.
  sim::Simulator& simulator();
  Clock& clock();
  metrics::tsdb::Db& db();
  const metrics::promql::Queryable& metrics() const;
  logs::store::LogStore& logs();
  const changes::ChangeLog& changes() const;
  incident::IncidentService& incidents();

  struct Impl;

 private:
  explicit SimPipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::response
