#pragma once
// Root-cause analysis: what an SRE does in the first minutes of an incident,
// automated. Collectors gather evidence around the incident's onset from
// what an operator can see (metrics by PromQL, logs by Logs Insights
// queries, the change log, answers to database diagnostic queries), and a
// catalog of hypotheses scores that evidence into a ranked list. Analysis
// never sees a simulator's internals or a scenario file: the same code runs
// against real systems.
//
//   EvidenceSources src{&queryable, &log_source, &change_log, &db_diagnostics};
//   auto analysis = Analyze(src, {.onset = t0, .now = clock.Now()});
//   analysis->hypotheses[0].category  // "db_pool_exhaustion"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::metrics::promql {
class Queryable;
}
namespace fw::logs {
class EventSource;
}
namespace fw::changes {
class ChangeLog;
}

namespace fw::rca {

// The hypothesis categories of the catalog, in the spelling used everywhere
// (runbooks' `applies_to`, reports, `rca bench`).
inline constexpr const char* kCategories[] = {
    "db_pool_exhaustion", "memory_leak",        "slow_queries",
    "bad_deployment",     "traffic_surge",      "instance_failure",
    "lock_contention",    "dependency_failure", "cpu_saturation",
};

// One row of the database's process list (SHOW PROCESSLIST / pg_stat_activity),
// normalised: `command` is "Query" for a running statement and "Sleep" for
// an idle session (PostgreSQL's `idle` and `idle in transaction` alike);
// `state` keeps the engine's own word.
struct DbProcess {
  int64_t id = 0;
  std::string user, host, db, command, state, info;
  int64_t time_s = 0;      // seconds in the current state
  int64_t trx_age_s = -1;  // seconds since its open transaction began (-1 = none or unknown)
  std::string wait;        // what it waits for ("" = nothing known)
};

// A statement waiting for a lock, and the session holding it.
struct DbLockWait {
  int64_t waiting_id = 0, blocking_id = 0;
  std::string waiting_query, blocking_user, blocking_host, blocking_state, blocking_query;
  int64_t wait_s = 0;               // how long the waiter has waited
  int64_t blocking_trx_age_s = -1;  // age of the blocker's transaction
  int64_t blocking_idle_s = -1;     // how long the blocker has been idle (-1 = running)
};

// One normalised statement from the engine's statement statistics (the
// digest summary of performance_schema, pg_stat_statements or the slow log).
struct DbDigest {
  std::string text;  // normalised ("SELECT ... WHERE id = ?")
  int64_t calls = 0;
  double mean_ms = 0, total_s = 0;
  int64_t rows_examined = 0, rows_sent = 0;  // totals; 0 = unknown
  std::string source;                        // the table or view it came from
};

// The plan of one statement: enough to tell a missing index from load.
struct DbPlan {
  std::string statement;  // what was explained
  std::string table;      // the scanned table
  std::string access;     // "ALL", "ref", "Seq Scan", "Index Scan", ...
  std::string key;        // index used ("" = none)
  int64_t rows = 0;       // rows the plan expects to read
  bool full_scan = false;
  std::string text;  // the plan as the engine printed it
};

// What one database said when asked at the incident's onset. Every statement
// that was run is in `statements`, so evidence can cite it.
struct DbSnapshot {
  std::string name;               // from firewatch.yml ("orders-db"); "db" for the simulator
  std::string kind;               // "mysql" or "postgres"
  std::string service;            // the service it serves ("" = any)
  std::string error;              // set: the database could not be asked (down, refused, timed out)
  std::vector<std::string> gaps;  // parts that failed while the rest answered
  // Every statement run, by purpose: "processlist", "connections",
  // "lock_waits", "deadlock", "slow", "plan".
  std::map<std::string, std::string> statements;
  std::vector<DbProcess> processes;
  int64_t connections = -1, max_connections = -1;  // -1 = unknown
  std::vector<DbLockWait> lock_waits;
  std::string deadlock;        // the latest detected deadlock, as the engine printed it
  std::vector<DbDigest> slow;  // slowest first (by mean time)
  std::optional<DbPlan> plan;  // of the slowest statement that could be explained
  std::string app_user;        // the application's user, if declared ("" = guess)
  // The pool's settings, if declared: a connection asleep far past both
  // cannot be idle in a pool that enforces them.
  int64_t pool_idle_timeout_s = 0, pool_max_lifetime_s = 0;
};

// Answers to database diagnostic queries, as of now, for the databases that
// serve `services` (empty = all). Implemented by the simulator's adapter and,
// for real databases, by db::Databases (src/db). A database that cannot be
// reached is a snapshot with `error` set, never a hang: clients time out.
class DbDiagnostics {
 public:
  virtual ~DbDiagnostics() = default;
  virtual Result<std::vector<DbSnapshot>> Diagnose(const std::vector<std::string>& services) = 0;
};

// Where evidence comes from. Any pointer may be null: that collector is
// skipped and the analysis says so in `gaps`.
struct EvidenceSources {
  const metrics::promql::Queryable* metrics = nullptr;
  logs::EventSource* logs = nullptr;
  const changes::ChangeLog* changes = nullptr;
  DbDiagnostics* db = nullptr;
};

struct AnalysisWindow {
  Timestamp onset = 0;  // when the incident's first alert started firing (or was declared)
  Timestamp now = 0;    // evidence is read up to here
  // How far before onset the baseline reaches and changes are considered.
  int64_t lookback_ms = 30 * 60'000;
  std::vector<std::string> services;  // the incident's services; empty = all
};

enum class EvidenceKind { kMetricAnomaly, kLogPattern, kChange, kDatabase, kHost };

struct Evidence {
  EvidenceKind kind = EvidenceKind::kMetricAnomaly;
  std::string id;             // stable within one analysis: "metric:hikaricp_connections_pending"
  std::string title;          // one line: "HikariCP pending connections rose from 0 to 38"
  std::string detail;         // numbers behind the title
  std::string query;          // the PromQL or Logs Insights query that shows it ("" for changes)
  std::string language;       // "promql", "insights", "sql" or ""
  Timestamp first_moved = 0;  // when the signal left its baseline (0 = not a time signal)
  double score = 0;           // strength, >= 0; robust z-score for metric anomalies
};

// The change a hypothesis blames.
struct SuspectChange {
  std::string service, version, previous_version, who, type;
  Timestamp time = 0;
  double score = 0;    // suspicion in [0, 1]
  std::string reason;  // why it is suspected (time proximity, version on failing requests)
};

struct Hypothesis {
  std::string category;                   // one of kCategories
  double confidence = 0;                  // in [0, 1]; the list is sorted by it, descending
  std::string explanation;                // one paragraph
  std::vector<std::string> evidence;      // ids into Analysis::evidence, strongest first
  std::vector<std::string> ruled_out_by;  // what argued against it, if anything
  // What would confirm or refute it, each with what the analysis found
  // ("confirmed: ...", "refuted: ...", "not checked: ...").
  std::vector<std::string> checks;
  std::optional<SuspectChange> suspect_change;
  std::string runbook;  // the recommended runbook's name ("" = none)
  // Facts a runbook may act on, as template variables: "db.name",
  // "db.blocker_id", "db.leaked_ids" ("12,15,19"), "db.app_user".
  std::map<std::string, std::string> facts;
};

struct Analysis {
  AnalysisWindow window;
  std::vector<Evidence> evidence;
  std::vector<Hypothesis> hypotheses;  // ranked; every catalog category appears
  std::vector<std::string> gaps;       // sources that were missing or failed
  // Whether the ranking is clear enough to act on: the top hypothesis is
  // strong and stands well apart from the next. When it is not, `undecided`
  // says why, and a responder pages a human instead of running a runbook.
  bool decisive = false;
  std::string undecided;
  // Ids of the metric and log evidence in the order their signals left
  // their baselines: which signal moved first.
  std::vector<std::string> timeline;
  const Evidence* FindEvidence(const std::string& id) const;
};

Result<Analysis> Analyze(const EvidenceSources& sources, const AnalysisWindow& window);

}  // namespace fw::rca
