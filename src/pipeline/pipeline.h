#pragma once
// Pipeline: the one wiring of firewatch's stages. It builds every stage from
// the settings of firewatch.yml and a Clock: the metrics store and its
// scrapes, the log store and the log files it follows, the change log, rule
// evaluation, routing and durable notification, incidents with escalation,
// and the responder that analyses each incident, proposes the runbook of
// its likely cause, runs it under the approval policy and verifies
// recovery against the pipeline's own stores.
//
// Two ways to drive it, over the same objects:
//  - Start(): the stages' threads run it on the Clock (`firewatch serve`);
//  - Step(now): one deterministic turn on the caller's thread, no threads
//    at all (`firewatch demo`, tests, benches): evaluate the rules, route,
//    deliver, escalate, respond.
// What differs between a real stack and the embedded simulation is passed
// in Parts (where actions land, where database diagnostics come from).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "changes/change_log.h"
#include "common/clock.h"
#include "common/log.h"
#include "incident/service.h"
#include "logs/api/logs_api.h"
#include "logs/store/log_store.h"
#include "metrics/ingest/scrape_config.h"
#include "metrics/promql/limits.h"
#include "metrics/tsdb/db.h"
#include "pipeline/settings.h"
#include "response/responder.h"
#include "runbook/runbook.h"
#include "server/http.h"

namespace fw::rca {
class DbDiagnostics;
}
namespace fw::runbook {
class ActionAdapter;
}

namespace fw::pipeline {

struct Options {
  std::string data_dir;  // metrics at its root, logs/, incidents.db, outbox/, changes.ndjson
  metrics::tsdb::DbOptions db;
  logs::store::StoreOptions logs;
  metrics::ingest::ScrapeSettings scrape;     // Start() scrapes these targets
  metrics::promql::QueryLimits query_limits;  // the PromQL API's (--query.*)
  logs::api::LogsApiOptions logs_api;         // the Logs Insights API's limits
  bool threads = true;                        // false: only Step() drives the stages
};

// What a notification, an alert change or an incident change looked like,
// for whoever narrates (the demo's terminal). Runs on the driving thread.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void OnAlert(const std::string& /*rule*/, const LabelSet& /*labels*/, bool /*firing*/,
                       Timestamp /*at*/) {}
  virtual void OnIncident(const incident::Incident& /*incident*/, bool /*opened*/) {}
  virtual void OnDelivery(const std::string& /*receiver*/, const std::string& /*url*/,
                          bool /*delivered*/, const std::string& /*error*/) {}
};

// The runbooks of settings.runbooks_dir, each action they name checked
// against the site's `actions:` when check_actions (and the responder is
// enabled). `firewatch check config` and Pipeline::Open use it.
Result<runbook::RunbookSet> LoadSiteRunbooks(const Settings& settings, bool check_actions);

struct Parts {
  // Where runbook actions land; null: the site's actions from Settings.
  runbook::ActionAdapter* actions = nullptr;
  // The database's own view for the analysis; null: a named gap.
  rca::DbDiagnostics* db = nullptr;
  // Nobody to ask (the demo): approvals are granted and the timeline says so.
  bool auto_approve = false;
  // The responder acknowledges what it takes on (the demo); a server leaves
  // acknowledging to the people it pages.
  bool responder_acknowledges = false;
  response::ResponseObserver* narrator = nullptr;
  Observer* observer = nullptr;
  response::AnalyzeFn analyze;  // null: rca::Analyze
};

class Pipeline {
 public:
  // Opens the stores under options.data_dir and builds every stage; starts
  // nothing. Errors name the file and the setting.
  static Result<std::unique_ptr<Pipeline>> Open(const Settings& settings, Options options,
                                                Clock& clock, Logger* log, Parts parts = {});
  ~Pipeline();  // stops

  // Every stage's HTTP API. REQUIRES: before http.Start().
  void RegisterApis(server::HttpServer& http);
  // Starts the threads (options.threads): scrapes, log files, rules,
  // routing, notification, escalation, the responder.
  void Start(server::SelfMetrics* self_metrics);
  void Stop();  // idempotent

  // Re-reads what can change while serving: rule files, runbooks, site
  // actions, the responder's policy. A bad file leaves the running ones.
  Result<void> Reload(const Settings& settings);

  // Deterministic turn (options.threads == false): evaluates the rule
  // groups that are due or have new samples, routes and delivers what is
  // due, escalates, and advances every response.
  Result<void> Step(Timestamp now);

  // Ingestion: samples stored by any source (scrape, remote write, the
  // simulator) wake the rules that read them.
  Result<void> AppendSamples(const std::vector<metrics::tsdb::LabeledSample>& batch);
  void Appended(const std::vector<metrics::tsdb::LabeledSample>& batch);

  Clock& clock();
  metrics::tsdb::Db& db();
  const metrics::promql::Queryable& metrics() const;
  logs::store::LogStore& logs();
  changes::ChangeLog& changes();
  incident::IncidentService& incidents();
  const response::Responder& responder() const;  // REQUIRES: no thread runs it (Step mode)

  struct Impl;

 private:
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::pipeline
