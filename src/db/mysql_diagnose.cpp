// MariaDB / MySQL diagnostics. Needs an account with PROCESS (every
// session's process list, InnoDB status and lock views) and SELECT on the
// application's schema (EXPLAIN) and on performance_schema; docs/databases.md
// gives the GRANT.

#include <algorithm>
#include <map>

#include "db/diagnose.h"

namespace fw::db {
namespace {

const char* const kProcessList =
    "SELECT p.id, p.user, p.host, p.db, p.command, p.time, p.state, p.info,"
    " TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS trx_age"
    " FROM information_schema.processlist p"
    " LEFT JOIN information_schema.innodb_trx t ON t.trx_mysql_thread_id = p.id"
    " WHERE p.id <> CONNECTION_ID()";
const char* const kThreadsConnected = "SHOW GLOBAL STATUS LIKE 'Threads_connected'";
const char* const kMaxConnections = "SELECT @@global.max_connections AS max_connections";
const char* const kLockWaitsMariadb =
    "SELECT r.trx_mysql_thread_id AS waiting_id, r.trx_query AS waiting_query,"
    " TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_s,"
    " b.trx_mysql_thread_id AS blocking_id, b.trx_query AS blocking_query,"
    " TIMESTAMPDIFF(SECOND, b.trx_started, NOW()) AS blocking_trx_age"
    " FROM information_schema.innodb_lock_waits w"
    " JOIN information_schema.innodb_trx r ON r.trx_id = w.requesting_trx_id"
    " JOIN information_schema.innodb_trx b ON b.trx_id = w.blocking_trx_id";
const char* const kLockWaitsMysql8 =
    "SELECT r.trx_mysql_thread_id AS waiting_id, r.trx_query AS waiting_query,"
    " TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_s,"
    " b.trx_mysql_thread_id AS blocking_id, b.trx_query AS blocking_query,"
    " TIMESTAMPDIFF(SECOND, b.trx_started, NOW()) AS blocking_trx_age"
    " FROM performance_schema.data_lock_waits w"
    " JOIN information_schema.innodb_trx r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID"
    " JOIN information_schema.innodb_trx b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID";
const char* const kInnodbStatus = "SHOW ENGINE INNODB STATUS";
const char* const kDigests =
    "SELECT DIGEST_TEXT AS text, COUNT_STAR AS calls, AVG_TIMER_WAIT / 1e9 AS mean_ms,"
    " SUM_TIMER_WAIT / 1e12 AS total_s, SUM_ROWS_EXAMINED AS rows_examined,"
    " SUM_ROWS_SENT AS rows_sent"
    " FROM performance_schema.events_statements_summary_by_digest"
    " WHERE DIGEST_TEXT IS NOT NULL AND COUNT_STAR > 0 AND (SCHEMA_NAME IS NULL OR SCHEMA_NAME"
    " NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys'))"
    " ORDER BY AVG_TIMER_WAIT DESC LIMIT 5";
const char* const kSlowLog =
    "SELECT sql_text AS text, COUNT(*) AS calls, AVG(TIME_TO_SEC(query_time)) * 1000 AS mean_ms,"
    " SUM(TIME_TO_SEC(query_time)) AS total_s, SUM(rows_examined) AS rows_examined,"
    " SUM(rows_sent) AS rows_sent, MAX(db) AS db"
    " FROM mysql.slow_log WHERE start_time > NOW() - INTERVAL 30 MINUTE"
    " GROUP BY sql_text ORDER BY mean_ms DESC LIMIT 5";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool SystemCommand(const std::string& command) {
  return command == "Daemon" || command == "Binlog Dump" || command == "Binlog Dump GTID" ||
         command == "Slave_IO" || command == "Slave_SQL" || command == "Slave_worker" ||
         command == "Connect";
}

void ProcessList(Session& s, rca::DbSnapshot& out) {
  out.statements["processlist"] = kProcessList;
  auto rows = s.Query(kProcessList);
  if (!rows) {
    out.gaps.push_back("process list: " + rows.error().message());
    return;
  }
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    rca::DbProcess p;
    p.id = rows->Int(i, "id", 0);
    p.user = rows->Text(i, "user");
    p.host = rows->Text(i, "host");
    p.db = rows->Text(i, "db");
    p.command = rows->Text(i, "command");
    if (p.command == "Execute") p.command = "Query";
    if (SystemCommand(p.command)) p.user = "system user";
    p.time_s = rows->Int(i, "time", 0);
    p.state = rows->Text(i, "state");
    p.info = rows->Text(i, "info");
    p.trx_age_s = rows->Int(i, "trx_age", -1);
    if (p.state.find("lock") != std::string::npos) p.wait = p.state;
    out.processes.push_back(std::move(p));
  }
}

void Connections(Session& s, rca::DbSnapshot& out) {
  out.statements["connections"] = std::string(kThreadsConnected) + "; " + kMaxConnections;
  auto threads = s.Query(kThreadsConnected);
  auto max = s.Query(kMaxConnections);
  if (!threads || !max) {
    out.gaps.push_back("connections: " + (threads ? max.error() : threads.error()).message());
    return;
  }
  out.connections = threads->Int(0, 1, -1);
  out.max_connections = max->Int(0, 0, -1);
}

void LockWaits(Session& s, rca::DbSnapshot& out) {
  const char* sql = s.mariadb() ? kLockWaitsMariadb : kLockWaitsMysql8;
  auto rows = s.Query(sql);
  if (!rows && !s.mariadb()) {
    sql = kLockWaitsMariadb;  // MySQL 5.7
    rows = s.Query(sql);
  }
  out.statements["lock_waits"] = sql;
  if (!rows) {
    out.gaps.push_back("lock waits: " + rows.error().message());
    return;
  }
  std::map<int64_t, const rca::DbProcess*> by_id;
  for (const rca::DbProcess& p : out.processes) by_id[p.id] = &p;
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    rca::DbLockWait w;
    w.waiting_id = rows->Int(i, "waiting_id", 0);
    w.waiting_query = rows->Text(i, "waiting_query");
    w.wait_s = rows->Int(i, "wait_s", 0);
    w.blocking_id = rows->Int(i, "blocking_id", 0);
    w.blocking_query = rows->Text(i, "blocking_query");
    w.blocking_trx_age_s = rows->Int(i, "blocking_trx_age", -1);
    if (auto it = by_id.find(w.blocking_id); it != by_id.end()) {
      const rca::DbProcess& b = *it->second;
      w.blocking_user = b.user;
      w.blocking_host = b.host;
      w.blocking_state = b.command == "Sleep" ? "idle in transaction" : b.state;
      if (b.command == "Sleep") w.blocking_idle_s = b.time_s;
      if (w.blocking_query.empty()) w.blocking_query = b.info;
    }
    out.lock_waits.push_back(std::move(w));
  }
}

void Deadlock(Session& s, rca::DbSnapshot& out) {
  out.statements["deadlock"] = kInnodbStatus;
  auto rows = s.Query(kInnodbStatus);
  if (!rows) {
    out.gaps.push_back("InnoDB status: " + rows.error().message());
    return;
  }
  out.deadlock = LatestDeadlock(rows->Text(0, "Status"));
}

void Digests(Session& s, rca::DbSnapshot& out, std::string& sample, std::string& sample_db) {
  auto on = s.Query(
      "SELECT @@performance_schema AS ps, @@log_output AS log_output,"
      " @@slow_query_log AS slow_log");
  const bool ps = on && on->Int(0, "ps", 0) == 1;
  const bool table_log = on &&
                         Lower(on->Text(0, "log_output")).find("table") != std::string::npos &&
                         on->Int(0, "slow_log", 0) == 1;
  if (!ps && !table_log) {
    out.gaps.push_back(
        "statement statistics: performance_schema is off and the slow log is not a table "
        "(enable performance_schema, or slow_query_log with log_output=TABLE)");
    return;
  }
  if (ps) {
    out.statements["slow"] = kDigests;
    auto rows = s.Query(kDigests);
    if (rows) {
      out.slow = DigestsFromRows(*rows, "performance_schema.events_statements_summary_by_digest");
    } else {
      out.gaps.push_back("statement digests: " + rows.error().message());
    }
  }
  if (!table_log) return;
  // The slow log keeps whole statements (with their values): one can be
  // explained, where a digest's placeholders cannot.
  if (!ps) out.statements["slow"] = kSlowLog;
  auto rows = s.Query(kSlowLog);
  if (!rows) {
    out.gaps.push_back("slow log: " + rows.error().message());
    return;
  }
  if (!ps) out.slow = DigestsFromRows(*rows, "mysql.slow_log");
  for (size_t i = 0; i < rows->rows.size() && sample.empty(); ++i) {
    if (Explainable(rows->Text(i, "text"))) {
      sample = rows->Text(i, "text");
      sample_db = rows->Text(i, "db");
    }
  }
}

void Explain(Session& s, const std::string& statement, const std::string& schema,
             const DatabaseConfig& cfg, rca::DbSnapshot& out) {
  if (statement.empty()) return;
  const std::string use = schema.empty() ? cfg.database : schema;
  if (!use.empty()) (void)s.Use(use);
  const std::string sql = "EXPLAIN " + statement;
  out.statements["plan"] = sql;
  auto rows = s.Query(sql);
  if (!rows) {
    out.gaps.push_back("EXPLAIN: " + rows.error().message());
    return;
  }
  out.plan = PlanFromMysqlExplain(*rows, statement);
}

}  // namespace

void DiagnoseMysql(Session& s, const DatabaseConfig& db, rca::DbSnapshot& out) {
  ProcessList(s, out);
  Connections(s, out);
  LockWaits(s, out);
  Deadlock(s, out);
  std::string sample_db, sample = BusiestStatement(out.processes, &sample_db);
  std::string log_db, log_sample;
  Digests(s, out, log_sample, log_db);
  if (sample.empty()) {
    sample = log_sample;
    sample_db = log_db;
  }
  Explain(s, sample, sample_db, db, out);
}

}  // namespace fw::db
