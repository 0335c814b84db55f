#pragma once
// PgConnection: one libpq connection to the PostgreSQL that holds
// firewatch's state (incidents, the leader lease). Statements take their
// values as parameters ($1, $2, ...; text format), never spliced into SQL.
// A connection that broke (server restarted, network cut) is re-opened on
// the next call; a statement that failed on a broken connection is not
// retried here, since the caller knows whether it is safe to repeat.
// Every statement is bounded by statement_timeout and the connect by
// connect_timeout. Not thread-safe: one owner at a time (callers lock).
//
//   auto c = pg::PgConnection::Open({.dsn = "host=127.0.0.1 dbname=fw"});
//   auto rows = (*c)->Exec("SELECT epoch FROM leader_lease WHERE name = $1", {"leader"});

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

struct pg_conn;

namespace fw::pg {

struct ConnectOptions {
  // A libpq connection string ("host=... port=... dbname=... user=...") or
  // URI ("postgresql://user@host:5432/db"). A password belongs in
  // PGPASSWORD or ~/.pgpass, not in firewatch.yml.
  std::string dsn;
  std::string schema = "firewatch";         // the schema firewatch's tables live in
  std::chrono::milliseconds timeout{5000};  // connect and each statement
  std::string application_name = "firewatch";
};

using Param = std::optional<std::string>;  // nullopt = SQL NULL
inline Param Num(int64_t v) { return std::to_string(v); }
inline Param OptNum(std::optional<int64_t> v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  size_t affected = 0;  // rows an INSERT/UPDATE/DELETE touched

  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
  const std::string& Text(size_t row, size_t col) const;  // "" for NULL
  int64_t Int(size_t row, size_t col) const;              // 0 for NULL
  std::optional<int64_t> OptInt(size_t row, size_t col) const;
  bool Null(size_t row, size_t col) const { return !rows[row][col]; }
};

// SQLSTATE classes the callers act on.
bool IsSerializationFailure(const Error& e);  // 40001, 40P01: retry the transaction

class PgConnection {
 public:
  // Connects and makes options.schema the search path (creating it if
  // missing). Errors name the server (never the password) and what failed.
  static Result<std::unique_ptr<PgConnection>> Open(const ConnectOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<PgRows> Exec(const std::string& sql, const std::vector<Param>& params = {});
  // Several statements without parameters (migrations).
  Result<void> ExecScript(const std::string& sql);

  // The server's description for errors: "postgres at host:port/db".
  const std::string& where() const { return where_; }

 private:
  explicit PgConnection(ConnectOptions options) : options_(std::move(options)) {}
  Result<void> Connect();
  Result<void> EnsureOpen();

  ConnectOptions options_;
  pg_conn* conn_ = nullptr;
  std::string where_;
};

// BEGIN on Begin(); ROLLBACK on destruction unless Commit() succeeded.
// COMMIT returns once the server has flushed the commit to its WAL (with
// the server's default synchronous_commit = on), so a committed write is
// durable.
class PgTx {
 public:
  explicit PgTx(PgConnection& c) : c_(c) {}
  ~PgTx();
  PgTx(const PgTx&) = delete;
  PgTx& operator=(const PgTx&) = delete;
  Result<void> Begin();
  Result<void> Commit();

 private:
  PgConnection& c_;
  bool open_ = false;
};

}  // namespace fw::pg
