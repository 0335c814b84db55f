#pragma once
// Hand-built report inputs shared by the report tests: a database pool
// exhaustion handled by a runbook (full), and a freshly declared incident
// with nothing recorded yet (minimal). Times are fixed so renders are
// byte-for-byte stable.

#include <memory>

#include "report/report.h"

namespace fw::report::testing {

inline constexpr Timestamp kT0 = 1'795'000'000'000;
inline constexpr Timestamp kMin = 60'000;

inline incident::TimelineEntry Entry(int64_t seq, Timestamp t, incident::EntryKind kind,
                                     std::string actor, std::string source, std::string text) {
  incident::TimelineEntry e;
  e.seq = seq;
  e.incident_id = "INC-7";
  e.time = t;
  e.kind = kind;
  e.actor = std::move(actor);
  e.source = std::move(source);
  e.text = std::move(text);
  return e;
}

inline rca::Analysis PoolAnalysis() {
  rca::Analysis a;
  a.window.onset = kT0;
  a.window.now = kT0 + 4 * kMin;
  a.window.services = {"checkout"};
  rca::Evidence pending;
  pending.kind = rca::EvidenceKind::kMetricAnomaly;
  pending.id = "metric:hikaricp_connections_pending";
  pending.title = "HikariCP pending connections rose from 0 to 38";
  pending.detail = "baseline median 0, now 38 (robust z 41.2)";
  pending.query = "max(hikaricp_connections_pending)";
  pending.language = "promql";
  pending.first_moved = kT0 + 30'000;
  pending.score = 41.2;
  rca::Evidence timeouts;
  timeouts.kind = rca::EvidenceKind::kLogPattern;
  timeouts.id = "log:connection_timeout";
  timeouts.title = "412 errors \"Connection is not available, request timed out\"";
  timeouts.detail = "0 in the baseline";
  timeouts.query = "filter level = \"ERROR\" | pattern @message";
  timeouts.language = "insights";
  timeouts.score = 12;
  a.evidence = {pending, timeouts};
  rca::Hypothesis pool;
  pool.category = "db_pool_exhaustion";
  pool.confidence = 0.87;
  pool.explanation = "Requests wait for a database connection: the pool is exhausted.";
  pool.evidence = {"metric:hikaricp_connections_pending", "log:connection_timeout"};
  pool.runbook = "db-pool-exhaustion";
  rca::SuspectChange change;
  change.service = "checkout";
  change.version = "v2.4.1";
  change.previous_version = "v2.4.0";
  change.who = "deploy-bot";
  change.type = "deployment";
  change.time = kT0 - 3 * kMin;
  change.score = 0.8;
  change.reason = "3 minutes before onset; every failing request ran v2.4.1";
  pool.suspect_change = change;
  rca::Hypothesis deploy;
  deploy.category = "bad_deployment";
  deploy.confidence = 0.41;
  deploy.ruled_out_by = {"error rate also rose on v2.4.0 instances"};
  rca::Hypothesis surge;
  surge.category = "traffic_surge";
  surge.confidence = 0.05;
  surge.ruled_out_by = {"request rate flat"};
  a.hypotheses = {pool, deploy, surge};
  a.decisive = true;
  a.gaps = {"database process list: not configured"};
  a.timeline = {"metric:hikaricp_connections_pending", "log:connection_timeout"};
  return a;
}

inline runbook::StepRecord Step(std::string name, std::string kind, std::string phase,
                                runbook::StepStatus status, Timestamp started, Timestamp finished,
                                std::string message) {
  runbook::StepRecord s;
  s.name = std::move(name);
  s.kind = std::move(kind);
  s.phase = std::move(phase);
  s.status = status;
  s.started = started;
  s.finished = finished;
  s.message = std::move(message);
  return s;
}

inline runbook::RunRecord PoolRun() {
  using runbook::StepStatus;
  runbook::RunRecord run;
  run.runbook = "db-pool-exhaustion";
  run.incident_id = "INC-7";
  run.adapter = "sim";
  run.auto_approved = true;
  run.status = runbook::RunStatus::kSucceeded;
  run.started = kT0 + 5 * kMin;
  run.finished = kT0 + 12 * kMin;
  run.message = "verified: pending connections back to 0";
  auto kill = Step("kill-idle-connections", "action", "containment", StepStatus::kSucceeded,
                   kT0 + 5 * kMin, kT0 + 5 * kMin + 30'000, "killed 212 idle connections");
  kill.action = "kill_db_connections";
  kill.command = {"POST", "/sim/actions", "kill_db_connections"};
  kill.output = "killed 212";
  auto rollback = Step("rollback", "action", "resolution", StepStatus::kSucceeded, kT0 + 6 * kMin,
                       kT0 + 9 * kMin, "rolled checkout back to v2.4.0");
  rollback.action = "rollback";
  auto verify = Step("pool-recovered", "verify", "recovery", StepStatus::kSucceeded, kT0 + 9 * kMin,
                     kT0 + 12 * kMin, "pending connections back to 0");
  verify.verification = "max(hikaricp_connections_pending) < 1";
  verify.output = "0";
  auto notify = Step("tell-stakeholders", "notify", "recovery", StepStatus::kFailed,
                     kT0 + 12 * kMin, kT0 + 12 * kMin, "slack webhook answered 500");
  run.steps = {kill, rollback, verify, notify};
  return run;
}

inline ReportInput FullInput() {
  using incident::EntryKind;
  ReportInput in;
  incident::Incident& i = in.incident;
  i.id = "INC-7";
  i.title = "Checkout errors | pool exhausted";
  i.services = {"checkout"};
  i.severity = incident::Severity::kP1;
  i.state = incident::State::kResolved;
  i.created_at = kT0 + 2 * kMin;
  i.acknowledged_at = kT0 + 4 * kMin;
  i.mitigated_at = kT0 + 12 * kMin;
  i.resolved_at = kT0 + 20 * kMin;
  i.roles[incident::Role::kCommander] = "ann";
  in.timeline = {
      Entry(1, kT0 + 2 * kMin, EntryKind::kAlertFiring, "firewatch", "router",
            "CheckoutErrorRate firing"),
      Entry(2, kT0 + 2 * kMin, EntryKind::kStateChange, "firewatch", "router",
            "declared: Checkout errors"),
      Entry(3, kT0 + 2 * kMin + 5'000, EntryKind::kNotificationSent, "firewatch", "notify",
            "paged ann"),
      Entry(4, kT0 + 2 * kMin + 9'000, EntryKind::kNotificationDelivered, "firewatch", "notify",
            "page delivered to ann"),
      Entry(5, kT0 + 4 * kMin, EntryKind::kStateChange, "ann", "api", "triggered -> acknowledged"),
      Entry(6, kT0 + 4 * kMin, EntryKind::kNote, "firewatch", "rca",
            "root cause: db_pool_exhaustion (87%)"),
      Entry(7, kT0 + 7 * kMin, EntryKind::kNote, "bob", "api",
            "customer said <script>alert(1)</script> & \"quotes\" | pipes"),
      Entry(8, kT0 + 12 * kMin, EntryKind::kStateChange, "ann", "api", "acknowledged -> mitigated"),
      Entry(9, kT0 + 12 * kMin + 1'000, EntryKind::kNotificationFailed, "firewatch", "notify",
            "slack #incidents: webhook answered 500"),
      Entry(10, kT0 + 20 * kMin, EntryKind::kStateChange, "ann", "api", "mitigated -> resolved"),
  };
  in.owned_analysis = std::make_shared<const rca::Analysis>(PoolAnalysis());
  in.analysis = in.owned_analysis.get();
  in.runs = {PoolRun()};
  Impact im;
  im.start = kT0;
  im.end = kT0 + 20 * kMin;
  im.requests = 120'000;
  im.failed_requests = 6'400;
  im.users_affected = 1'234;
  im.failed_checkouts = 321;
  im.degraded_minutes = 12;
  in.impact_options.average_order_value = 57.5;
  im.revenue_impact = 321 * 57.5;
  im.queries = {"filter status >= 500 | stats count(*)"};
  in.impact = im;
  in.action_items = {{"AI-1", "Fix the connection leak in checkout", "ann", true},
                     {"AI-2", "Alert on pending pool connections", "", false}};
  in.generated_at = kT0 + 60 * kMin;
  return in;
}

// The same story with no stored action items, so the report derives them.
inline ReportInput DerivedInput() {
  ReportInput in = FullInput();
  in.action_items.clear();
  return in;
}

inline ReportInput MinimalInput() {
  ReportInput in;
  in.incident.id = "INC-8";
  in.incident.title = "Search is slow";
  in.incident.created_at = kT0;
  in.timeline = {Entry(11, kT0, incident::EntryKind::kStateChange, "carol", "cli",
                       "declared: Search is slow")};
  in.timeline[0].incident_id = "INC-8";
  in.impact_missing = "the logs query API was not reachable";
  in.generated_at = kT0 + 45 * kMin;
  return in;
}

}  // namespace fw::report::testing
