// PgConnection over libpq. connect_timeout bounds the connect, the server
// ends any statement past statement_timeout, tcp_user_timeout and
// keepalives end a connection whose server vanished mid-answer.

#include "pg/connection.h"

#include <libpq-fe.h>

#include <algorithm>

namespace fw::pg {
namespace {

const std::string kEmpty;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// An error from a failed result: the server's message, its SQLSTATE (which
// IsSerializationFailure reads) and the start of the statement.
Error ResultError(const std::string& where, PGresult* res, pg_conn* conn, const std::string& sql) {
  std::string why = res ? PQresultErrorMessage(res) : "";
  if (why.empty()) why = PQerrorMessage(conn);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  const ErrorCode c = code == "57014"   ? ErrorCode::kTimeout
                      : code == "42501" ? ErrorCode::kForbidden
                                        : ErrorCode::kIo;
  std::string first = sql.substr(0, std::min<size_t>(sql.size(), 60));
  std::replace(first.begin(), first.end(), '\n', ' ');
  std::string msg = where + ": " + Trimmed(why);
  if (!code.empty()) msg += " (SQLSTATE " + code + ")";
  msg += " in: " + first + (sql.size() > 60 ? "..." : "");
  return Error(c, msg);
}

}  // namespace

const std::string& PgRows::Text(size_t row, size_t col) const {
  const auto& cell = rows[row][col];
  return cell ? *cell : kEmpty;
}

int64_t PgRows::Int(size_t row, size_t col) const { return OptInt(row, col).value_or(0); }

std::optional<int64_t> PgRows::OptInt(size_t row, size_t col) const {
  const auto& cell = rows[row][col];
  if (!cell) return std::nullopt;
  return std::strtoll(cell->c_str(), nullptr, 10);
}

bool IsSerializationFailure(const Error& e) {
  const std::string& m = e.message();
  return m.find("(SQLSTATE 40001)") != std::string::npos ||
         m.find("(SQLSTATE 40P01)") != std::string::npos;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const ConnectOptions& options) {
  if (options.dsn.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "state.postgres.dsn is empty: give a libpq connection string, e.g. "
                "\"host=127.0.0.1 port=5432 dbname=firewatch user=firewatch\"");
  }
  std::unique_ptr<PgConnection> c(new PgConnection(options));
  if (auto r = c->Connect(); !r) return Fail(r.error());
  return c;
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

Result<void> PgConnection::Connect() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  const int64_t ms = std::max<int64_t>(100, options_.timeout.count());
  const std::string connect_s = std::to_string(std::max<int64_t>(2, ms / 1000));
  const std::string server_options =
      "-c client_min_messages=warning -c statement_timeout=" + std::to_string(ms) +
      " -c lock_timeout=" + std::to_string(ms) + " -c idle_in_transaction_session_timeout=" +
      std::to_string(std::max<int64_t>(ms * 6, 30'000));
  const std::string user_timeout = std::to_string(ms);
  // Later keys override what the connection string says, so these bounds
  // always hold; the dsn's own keys (host, port, user, sslmode...) stay.
  const char* keys[] = {"dbname",           "connect_timeout", "options", "application_name",
                        "tcp_user_timeout", "keepalives",      nullptr};
  const char* values[] = {options_.dsn.c_str(),
                          connect_s.c_str(),
                          server_options.c_str(),
                          options_.application_name.c_str(),
                          user_timeout.c_str(),
                          "1",
                          nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_) return Fail(ErrorCode::kIo, "postgres: out of memory connecting");
  const char* host = PQhost(conn_);
  const char* port = PQport(conn_);
  const char* db = PQdb(conn_);
  where_ = std::string("postgres at ") + (host && *host ? host : "local socket") + ":" +
           (port ? port : "") + "/" + (db ? db : "");
  if (PQstatus(conn_) != CONNECTION_OK) {
    Error e(ErrorCode::kIo, where_ + ": cannot connect: " + Trimmed(PQerrorMessage(conn_)) +
                                " (check state.postgres.dsn, and that the server is up)");
    PQfinish(conn_);
    conn_ = nullptr;
    return Fail(e);
  }
  char* schema = PQescapeIdentifier(conn_, options_.schema.c_str(), options_.schema.size());
  if (!schema) return Fail(ErrorCode::kInvalidArgument, "bad schema name " + options_.schema);
  const std::string quoted = schema;
  PQfreemem(schema);
  // CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database; a role
  // without it works when an administrator made the schema beforehand.
  auto exists = Exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {options_.schema});
  if (!exists) return Fail(exists.error());
  if (exists->empty()) {
    if (auto r = ExecScript("CREATE SCHEMA IF NOT EXISTS " + quoted); !r) return r;
  }
  return ExecScript("SET search_path TO " + quoted);
}

Result<void> PgConnection::EnsureOpen() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
  return Connect();
}

Result<PgRows> PgConnection::Exec(const std::string& sql, const std::vector<Param>& params) {
  if (auto r = EnsureOpen(); !r) return Fail(r.error());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0);
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    Error e = ResultError(where_, res, conn_, sql);
    PQclear(res);
    return Fail(e);
  }
  PgRows out;
  const int n = PQnfields(res);
  for (int r = 0; r < PQntuples(res); ++r) {
    std::vector<std::optional<std::string>> row(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      if (!PQgetisnull(res, r, i)) row[static_cast<size_t>(i)] = PQgetvalue(res, r, i);
    }
    out.rows.push_back(std::move(row));
  }
  const char* tuples = PQcmdTuples(res);
  if (tuples && *tuples) out.affected = static_cast<size_t>(std::atoll(tuples));
  PQclear(res);
  return out;
}

Result<void> PgConnection::ExecScript(const std::string& sql) {
  if (auto r = EnsureOpen(); !r) return Fail(r.error());
  PGresult* res = PQexec(conn_, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    Error e = ResultError(where_, res, conn_, sql);
    PQclear(res);
    return Fail(e);
  }
  PQclear(res);
  return {};
}

PgTx::~PgTx() {
  if (open_) (void)c_.ExecScript("ROLLBACK");
}

Result<void> PgTx::Begin() {
  if (auto r = c_.ExecScript("BEGIN"); !r) return r;
  open_ = true;
  return {};
}

Result<void> PgTx::Commit() {
  open_ = false;
  return c_.ExecScript("COMMIT");
}

}  // namespace fw::pg
