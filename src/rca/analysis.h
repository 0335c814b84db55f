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

// One row of the database's process list (SHOW PROCESSLIST / pg_stat_activity).
struct DbProcess {
  int64_t id = 0;
  std::string user, host, db, command, state, info;
  int64_t time_s = 0;  // seconds in the current state
};

// Answers to database diagnostic queries, as of now. Implemented by the
// simulator's adapter and, for real databases, by a client.
class DbDiagnostics {
 public:
  virtual ~DbDiagnostics() = default;
  virtual Result<std::vector<DbProcess>> ProcessList() = 0;
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
  std::optional<SuspectChange> suspect_change;
  std::string runbook;  // the recommended runbook's name ("" = none)
};

struct Analysis {
  AnalysisWindow window;
  std::vector<Evidence> evidence;
  std::vector<Hypothesis> hypotheses;  // ranked; every catalog category appears
  std::vector<std::string> gaps;       // sources that were missing or failed
  // Ids of the metric and log evidence in the order their signals left
  // their baselines: which signal moved first.
  std::vector<std::string> timeline;
  const Evidence* FindEvidence(const std::string& id) const;
};

Result<Analysis> Analyze(const EvidenceSources& sources, const AnalysisWindow& window);

}  // namespace fw::rca
