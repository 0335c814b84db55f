#pragma once
// Pipeline's insides, shared by its .cpp files (alerting glue, response,
// sources, APIs). Not for use outside src/pipeline.

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "alerting/alerting_service.h"
#include "alerting/db_rule_storage.h"
#include "alerting/intake_journal.h"
#include "alerting/outbox.h"
#include "alerting/pg_alert_state.h"
#include "alerting/rule_manager.h"
#include "db/actions.h"
#include "db/databases.h"
#include "incident/oncall.h"
#include "incident/override_book.h"
#include "incident/pg_store.h"
#include "incident/sqlite_store.h"
#include "logs/api/logs_api.h"
#include "logs/ingest/file_tail.h"
#include "metrics/ingest/scrape_manager.h"
#include "metrics/remote/remote_queryable.h"
#include "metrics/remote/remote_writer.h"
#include "notify/pager.h"
#include "notify/stakeholders.h"
#include "pg/leader_lease.h"
#include "pipeline/pipeline.h"
#include "response/approvals.h"
#include "response/pg_approvals.h"
#include "runbook/runbook.h"
#include "runbook/site_actions.h"
#include "server/self_metrics.h"

namespace fw::pipeline {

// Timelines already read, by incident id; reused while the incident's
// version (bumped by every write) is unchanged.
using TimelineCache = std::map<std::string, incident::IncidentHistory>;

// MTTA, MTTR and counts per (service, severity) as gauges on /metrics.
void ExportIncidentMetrics(const incident::IncidentService& incidents, server::SelfMetrics& m,
                           Timestamp now, Logger* log, TimelineCache& cache);

struct Pipeline::Impl {
  Impl(Clock& c, Logger* l) : clock(c), log(l) {}

  Settings settings;
  Options options;
  Clock& clock;
  Logger* log;
  Parts parts;
  bool started = false;

  // Stores.
  // remote_write: forwards what db accepts; declared before db, so it
  // outlives the store that calls it.
  std::unique_ptr<metrics::remote::RemoteWriter> remote_writer;
  std::unique_ptr<metrics::tsdb::Db> db;
  std::unique_ptr<alerting::DbRuleStorage> storage;  // rules and PromQL over db
  // remote_metrics: a team's Prometheus, read together with db.
  std::unique_ptr<metrics::remote::RemoteQueryable> remote_metrics;
  std::unique_ptr<metrics::remote::UnionQueryable> metrics_union;
  std::unique_ptr<logs::store::LogStore> log_store;
  std::unique_ptr<logs::store::StoreEventSource> log_source;
  changes::ChangeLog changes;

  // Alerting and incidents.
  std::unique_ptr<alerting::Outbox> outbox;
  std::unique_ptr<alerting::AlertingService> alerting;
  std::unique_ptr<alerting::RuleManager> rules;
  std::unique_ptr<incident::IncidentStore> store;  // SQLite, or PostgreSQL (state:)
  std::unique_ptr<incident::IncidentService> incidents;
  std::unique_ptr<alerting::IntakeSink> journal;  // the file journal, or the shared intake
  std::vector<alerting::RoutedAlert> replayed;    // from the journal at Open
  std::mutex escalation_mu;
  std::map<std::string, incident::Escalation> escalations;  // by incident id
  // Incidents whose escalation ran; one leaves once acknowledged (or
  // further), so that a reopen escalates afresh.
  std::set<std::string> escalated;
  // Pages a new leader's escalation leaves out: those its predecessor sent
  // (counted on the incident's timeline), by incident id.
  std::map<std::string, size_t> pages_sent_before;
  // Pages to people (people: in firewatch.yml); null when nobody is declared.
  // Overrides and swaps made while serving; every schedule consults it.
  std::unique_ptr<incident::OverrideBook> overrides;
  std::unique_ptr<notify::AckLinks> ack_links;
  std::unique_ptr<notify::Pager> pager;
  std::unique_ptr<notify::Stakeholders> stakeholders;  // null without stakeholders:
  std::mutex linked_mu;
  std::map<std::string, std::string> incident_of;  // alert fingerprint -> incident id
  std::set<std::string> known_incidents;           // for Observer::OnIncident(opened)

  // The /metrics collector outlives the pipeline (the registry keeps it):
  // it reaches the incidents through here, cut at Stop().
  struct MetricsLink {
    std::mutex mu;
    const incident::IncidentService* incidents = nullptr;
    TimelineCache timelines;
  };
  std::shared_ptr<MetricsLink> metrics_link = std::make_shared<MetricsLink>();

  // Response. response_mu guards the responder, runbooks, actions and the
  // auto-resolve bookkeeping: the API and the loop both reach them.
  std::mutex response_mu;
  runbook::RunbookSet runbooks;
  std::unique_ptr<runbook::SiteActionAdapter> site_actions;
  std::unique_ptr<db::Databases> databases;         // databases: in firewatch.yml
  std::unique_ptr<db::DbActionAdapter> db_actions;  // database actions, else the site's
  // Where actions go and where database diagnostics come from: the parts'
  // (the simulator) when given, else the site's and the declared databases.
  runbook::ActionAdapter& Actions();
  rca::DbDiagnostics* Diagnostics();
  std::unique_ptr<response::PgApprovals> shared_approvals;  // replicas: in PostgreSQL
  std::unique_ptr<response::ApprovalBook> approvals;
  std::unique_ptr<response::Responder> responder;
  std::set<std::string> resolve_proposed;

  // Sources the server follows.
  std::unique_ptr<metrics::ingest::ScrapeManager> scraping;
  std::map<std::string, std::unique_ptr<logs::ingest::FileTailer>> tailers;  // by path

  std::unique_ptr<logs::api::LogsApi> logs_api;  // kept while the server answers
  std::jthread escalation_thread, response_thread, tail_thread;

  // pipeline_state.cpp: the incident store, and with PostgreSQL the lease
  // that makes one replica the leader.
  Result<void> OpenStore();
  // The epoch this replica leads with; 0 while it follows. Without
  // PostgreSQL the one process always leads (epoch 1).
  std::atomic<int64_t> leader_epoch{1};
  bool leading() const { return leader_epoch.load() > 0; }
  // With PostgreSQL: what replicas share, and the lease thread that renews
  // the lease, takes over, and routes the shared intake while leading.
  std::unique_ptr<alerting::PgAlertIntake> shared_intake;
  std::unique_ptr<pg::PgConnection> lease_conn;
  std::unique_ptr<pg::LeaderLease> lease;
  std::jthread lease_thread;
  Timestamp next_silence_sync = 0;  // the lease thread's
  Result<void> OpenShared();        // outbox, intake sink; REQUIRES: store opened
  void StartLease();
  void StopLease();
  void LeaseTurn(int64_t& intake_cursor, Timestamp& renewed_at, Timestamp& next_renew);
  void TakeOver(int64_t epoch, int64_t& intake_cursor);
  // Escalations of the incidents still unacknowledged, from their opening,
  // less the pages already on their timelines. REQUIRES: not yet leading.
  void ResumeEscalations();

  // pipeline_alerting.cpp
  Result<void> OpenAlerting();
  std::set<std::string> IncidentsOf(const alerting::Delivery& d);
  void OnAttempt(const alerting::Delivery& d, bool delivered, const std::string& error, bool retry);
  void OnNotification(const alerting::Notification& n);
  void StartEscalation(const incident::Incident& inc);
  void EscalateDue(Timestamp now);
  Result<void> OpenPaging();
  void OpenStakeholders();  // REQUIRES: incidents built
  void OnRuleResult(const alerting::GroupResult& r);

  // pipeline_response.cpp
  Result<void> OpenResponse();
  Result<runbook::RunbookSet> LoadRunbooks(const Settings& s) const;
  void BuildResponder();
  response::ResponderOptions ResponderOptions();  // from settings.response and parts
  void RespondStep(Timestamp now);                // REQUIRES: response_mu held
  void AutoResolve(Timestamp now);                // REQUIRES: response_mu held

  // pipeline_sources.cpp
  void StartScraping(server::SelfMetrics* self);
  void FollowLogFiles();  // expands the globs, polls every tailer once
};

// The responder's API: its state per incident, approvals, runbooks.
void RegisterResponderApi(server::HttpServer& http, Pipeline::Impl& p);
// GET /api/v1/state: where state lives and whether this replica leads.
void RegisterStateApi(server::HttpServer& http, Pipeline::Impl& p);

}  // namespace fw::pipeline
