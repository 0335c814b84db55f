#pragma once
// What the collectors found, in the shape the hypothesis catalog reads: the
// golden signals and saturation signals as scored series (overall and per
// route or instance), error-log templates, deployments with their per-
// instance rollout times, and the database's and hosts' state. Collectors
// also append their Evidence items to the Analysis; features refer to them
// by id. Internal to fw_rca.

#include <map>
#include <string>
#include <vector>

#include "rca/analysis.h"
#include "rca/robust.h"

namespace fw::rca {

// One PromQL signal, scored as a whole and per value of its `by` label.
struct MetricFeature {
  bool present = false;
  std::string evidence_id;  // "" when the signal did not move
  std::string query;
  RobustScore score;                      // of the aggregate (or of the worst member)
  std::map<std::string, RobustScore> by;  // per route / instance
  double baseline() const { return score.baseline; }
  double current() const { return score.current; }
  // Members that moved in the given direction by more than `z` scales.
  std::vector<std::string> Moved(double z, int direction) const;
  // Earliest first_moved among members that moved (0 = none).
  Timestamp FirstMoved(double z, int direction) const;
  // Earliest drift_start among members that moved (0 = none).
  Timestamp DriftStart(double z, int direction) const;
};

// Keyword classes of log templates: what an SRE recognises in a message.
enum LogClass : unsigned {
  kLogPool = 1,         // connection pool acquire timeouts
  kLogLeak = 2,         // leak detection warnings
  kLogOom = 4,          // OutOfMemoryError
  kLogLock = 8,         // lock wait timeouts, deadlocks
  kLogSlowQuery = 16,   // slow query warnings
  kLogDependency = 32,  // a downstream service did not answer
  kLogException = 64,   // an application exception (a code bug)
  kLogHang = 128,       // watchdog: process not responding
  kLogThreads = 256,    // worker threads exhausted
};

struct LogTemplate {
  std::string pattern, sample, level;
  unsigned classes = 0;
  int64_t baseline_count = 0;  // before the baseline ended
  int64_t recent_count = 0;    // after
  Timestamp first_seen = 0;
  bool is_new = false, surged = false;
  std::map<std::string, int64_t> by_version, by_instance, by_route;
  // Lines seen while more than one version was serving, by version.
  std::map<std::string, int64_t> mixed_by_version;
  std::string evidence_id;
};

struct Deploy {
  std::string service, version, previous_version, who,
      type;                      // type: deployment, feature_flag, config
  Timestamp start = 0, end = 0;  // end = 0 while rolling out
  bool rollback = false;
  std::map<std::string, Timestamp> switched;  // instance -> first seen running `version`
  std::string evidence_id;
};

// An instance's lifecycle as the platform reported it (terminated, launching,
// in service), with the reason it gave.
struct InstanceEvent {
  std::string instance, state, reason;
  Timestamp time = 0;
  std::string evidence_id;  // set for unplanned ends (crashes, failed checks)
  bool unplanned = false;
};

// What the databases said, folded over every database in scope (the worst
// of each). Evidence ids are "" when the database did not show it.
struct DbState {
  bool present = false;
  int connections = 0, long_queries = 0, lock_waits = 0;
  double usage = -1;       // connections / max_connections (-1 = unknown)
  int app_long_idle = 0;   // application sessions judged leaked
  int64_t max_idle_s = 0;  // the oldest of them
  int running_slow = 0;    // application statements running for over a second
  bool full_scan = false;  // the slowest statement's plan scans a whole table
  std::string name, app_user, blocker, blocker_id, leaked_ids;
  std::string leak_id, blocker_evidence_id, lock_id, slow_id, plan_id, running_id, usage_id;
  std::vector<std::string> evidence_ids;
};

struct Features {
  Timestamp from = 0, onset = 0, now = 0;
  std::vector<std::string> services;  // the incident's; empty = all
  // True when `service` is one of the incident's (or either is unknown).
  bool InScope(const std::string& service) const;
  MetricFeature error_ratio, route_errors, instance_errors, route_p99, instance_p99, rps, cpu, heap,
      memory, pool_usage, pool_pending, pool_timeouts, db_connections, db_running, slow_queries,
      lock_current, lock_waits, up, healthy_targets, lb_errors;
  std::vector<LogTemplate> templates;
  // Which version each instance was seen running, per minute (from logs).
  std::map<Timestamp, std::map<std::string, std::string>> versions_by_minute;
  std::vector<Deploy> deploys;
  std::vector<InstanceEvent> instance_events;
  DbState db;
  int64_t oom_kills = 0;
  std::vector<std::string> anomaly_ids;  // every-series scan, strongest first
  // Templates of any of `classes` that are new or surged.
  std::vector<const LogTemplate*> Templates(unsigned classes) const;
};

// Collectors: each fills its part of `f` and appends evidence to `a`.
// A failure of one source is a gap, not an error of the analysis.
void CollectMetrics(const metrics::promql::Queryable& q, Features& f, Analysis& a);
void ScanAllSeries(const metrics::promql::Queryable& q, Features& f, Analysis& a);
void CollectLogs(logs::EventSource& src, Features& f, Analysis& a);
void CollectChanges(const changes::ChangeLog& log, const metrics::promql::Queryable* q, Features& f,
                    Analysis& a);
void CollectDatabase(DbDiagnostics& db, Features& f, Analysis& a);

// The catalog: one hypothesis per category, scored from the features.
std::vector<Hypothesis> EvaluateCatalog(const Features& f, const Analysis& a);

// Suspicion in [0, 1] that `d` caused what the hypothesis describes, whose
// signals first moved at `first_moved` (per instance in `per_instance`) and
// whose error lines are `templates`. `reason` says why.
// `per_instance` is empty when the hypothesis's signal is not kept per
// instance. `others` are the other changes, to tell a release that was
// replaced before anything moved.
double ScoreSuspect(const Deploy& d, Timestamp first_moved,
                    const std::map<std::string, RobustScore>& per_instance,
                    const std::vector<const LogTemplate*>& templates,
                    const std::vector<Deploy>& others, std::string& reason);

// Formatting helpers shared by collectors.
std::string FormatNumberShort(double v);
std::string FormatPercent(double share);
std::string FormatTime(Timestamp t);

}  // namespace fw::rca
