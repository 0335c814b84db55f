// PostgreSQL diagnostics. Needs an account in pg_monitor (every session's
// query text and pg_stat_statements) with CONNECT on the application's
// database and SELECT on its tables (EXPLAIN); docs/databases.md gives the
// GRANT.

#include <map>
#include <sstream>

#include "db/diagnose.h"

namespace fw::db {
namespace {

const char* const kActivity =
    "SELECT pid, usename AS user, coalesce(host(client_addr), '') AS host,"
    " coalesce(datname, '') AS db, coalesce(state, '') AS state, coalesce(query, '') AS query,"
    " coalesce(wait_event_type || ':' || wait_event, '') AS wait,"
    " extract(epoch FROM now() - coalesce(state_change, backend_start))::bigint AS state_s,"
    " extract(epoch FROM now() - xact_start)::bigint AS trx_s"
    " FROM pg_stat_activity"
    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
const char* const kConnections =
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
    " AS connections, current_setting('max_connections')::int AS max_connections";
const char* const kBlocking =
    "SELECT w.pid AS waiting_id, w.query AS waiting_query,"
    " extract(epoch FROM now() - w.query_start)::bigint AS wait_s,"
    " b.pid AS blocking_id, b.usename AS blocking_user,"
    " coalesce(host(b.client_addr), '') AS blocking_host, b.state AS blocking_state,"
    " b.query AS blocking_query,"
    " extract(epoch FROM now() - b.xact_start)::bigint AS blocking_trx_age,"
    " CASE WHEN b.state = 'active' THEN -1"
    " ELSE extract(epoch FROM now() - b.state_change)::bigint END AS blocking_idle"
    " FROM pg_stat_activity w"
    " CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)"
    " JOIN pg_stat_activity b ON b.pid = bp.pid";
const char* const kHasStatements =
    "SELECT count(*) AS n FROM pg_extension WHERE extname = 'pg_stat_statements'";
const char* const kStatements =
    "SELECT query AS text, calls, mean_exec_time AS mean_ms, total_exec_time / 1000 AS total_s,"
    " rows AS rows_sent FROM pg_stat_statements WHERE calls > 0"
    " ORDER BY mean_exec_time DESC LIMIT 5";

void Activity(Session& s, rca::DbSnapshot& out) {
  out.statements["processlist"] = kActivity;
  auto rows = s.Query(kActivity);
  if (!rows) {
    out.gaps.push_back("pg_stat_activity: " + rows.error().message());
    return;
  }
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    rca::DbProcess p;
    p.id = rows->Int(i, "pid", 0);
    p.user = rows->Text(i, "user");
    p.host = rows->Text(i, "host");
    p.db = rows->Text(i, "db");
    p.state = rows->Text(i, "state");
    p.command = p.state == "active" ? "Query" : "Sleep";
    p.info = rows->Text(i, "query");
    p.wait = rows->Text(i, "wait");
    if (p.wait.rfind("Client:", 0) == 0 || p.wait.rfind("Activity:", 0) == 0) p.wait.clear();
    p.time_s = rows->Int(i, "state_s", 0);
    p.trx_age_s = rows->Int(i, "trx_s", -1);
    out.processes.push_back(std::move(p));
  }
}

void Connections(Session& s, rca::DbSnapshot& out) {
  out.statements["connections"] = kConnections;
  auto rows = s.Query(kConnections);
  if (!rows) {
    out.gaps.push_back("connections: " + rows.error().message());
    return;
  }
  out.connections = rows->Int(0, "connections", -1);
  out.max_connections = rows->Int(0, "max_connections", -1);
}

void Blocking(Session& s, rca::DbSnapshot& out) {
  out.statements["lock_waits"] = kBlocking;
  auto rows = s.Query(kBlocking);
  if (!rows) {
    out.gaps.push_back("blocking tree: " + rows.error().message());
    return;
  }
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    rca::DbLockWait w;
    w.waiting_id = rows->Int(i, "waiting_id", 0);
    w.waiting_query = rows->Text(i, "waiting_query");
    w.wait_s = rows->Int(i, "wait_s", 0);
    w.blocking_id = rows->Int(i, "blocking_id", 0);
    w.blocking_user = rows->Text(i, "blocking_user");
    w.blocking_host = rows->Text(i, "blocking_host");
    w.blocking_state = rows->Text(i, "blocking_state");
    w.blocking_query = rows->Text(i, "blocking_query");
    w.blocking_trx_age_s = rows->Int(i, "blocking_trx_age", -1);
    w.blocking_idle_s = rows->Int(i, "blocking_idle", -1);
    out.lock_waits.push_back(std::move(w));
  }
}

void Statements(Session& s, rca::DbSnapshot& out) {
  auto has = s.Query(kHasStatements);
  if (!has || has->Int(0, "n", 0) == 0) {
    out.gaps.push_back("statement statistics: the pg_stat_statements extension is not installed");
    return;
  }
  out.statements["slow"] = kStatements;
  auto rows = s.Query(kStatements);
  if (!rows) {
    out.gaps.push_back("pg_stat_statements: " + rows.error().message());
    return;
  }
  out.slow = DigestsFromRows(*rows, "pg_stat_statements");
}

void Explain(Session& s, rca::DbSnapshot& out) {
  const std::string best = BusiestStatement(out.processes, nullptr);
  if (best.empty()) return;
  const std::string sql = "EXPLAIN " + best;
  out.statements["plan"] = sql;
  auto rows = s.Query(sql);
  if (!rows) {
    out.gaps.push_back("EXPLAIN: " + rows.error().message());
    return;
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < rows->rows.size(); ++i) lines.push_back(rows->Text(i, size_t{0}));
  rca::DbPlan plan = PlanFromPostgresExplain(lines, best);
  if (plan.full_scan && !plan.table.empty()) {
    // EXPLAIN's rows= on a scan is what passes the filter; the table's size
    // is what the scan reads.
    auto size = s.Query("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass('" +
                        plan.table + "')");
    if (size && !size->rows.empty()) plan.rows = std::max(plan.rows, size->Int(0, "n", 0));
  }
  out.plan = std::move(plan);
}

}  // namespace

void DiagnosePostgres(Session& s, const DatabaseConfig&, rca::DbSnapshot& out) {
  Activity(s, out);
  Connections(s, out);
  Blocking(s, out);
  Statements(s, out);
  Explain(s, out);
}

}  // namespace fw::db
