#pragma once
// What firewatch asks a database when an incident opens, per engine. Each
// function fills `out` from one open session; a part that fails (a view the
// account may not read, performance_schema off) becomes a gap in
// out.gaps, and the rest still answers. Every statement run is recorded in
// out.statements under its purpose, so the analysis can cite it.

#include "db/session.h"
#include "rca/analysis.h"

namespace fw::db {

// MariaDB and MySQL: the process list with transaction ages, connections
// against max_connections, InnoDB lock waits with the blocker, the latest
// deadlock, the slowest statements and the EXPLAIN of the slowest running one.
void DiagnoseMysql(Session& s, const DatabaseConfig& db, rca::DbSnapshot& out);

// PostgreSQL: pg_stat_activity, the blocking tree from pg_blocking_pids,
// connections against max_connections, pg_stat_statements where installed,
// and the EXPLAIN of the slowest running statement.
void DiagnosePostgres(Session& s, const DatabaseConfig& db, rca::DbSnapshot& out);

// Parsing shared with the tests: the plan of the row that reads the most,
// from EXPLAIN's rows (MySQL) or its text (PostgreSQL; `table_rows` gives
// the scanned table's size when known).
rca::DbPlan PlanFromMysqlExplain(const Rows& rows, const std::string& statement);
rca::DbPlan PlanFromPostgresExplain(const std::vector<std::string>& lines,
                                    const std::string& statement);
// The section "LATEST DETECTED DEADLOCK" of SHOW ENGINE INNODB STATUS ("" = none).
std::string LatestDeadlock(const std::string& innodb_status);
// True for a statement EXPLAIN may be given: one SELECT (or WITH ... SELECT).
bool Explainable(const std::string& sql);
// The rows of a statement-statistics query (columns text, calls, mean_ms,
// total_s, rows_examined, rows_sent; missing ones read 0) as digests.
std::vector<rca::DbDigest> DigestsFromRows(const Rows& rows, const std::string& source);
// The explainable statement most sessions are running now, for a second or
// more and not waiting for a lock ("" = none); `db` gets its database.
std::string BusiestStatement(const std::vector<rca::DbProcess>& processes, std::string* db);

}  // namespace fw::db
