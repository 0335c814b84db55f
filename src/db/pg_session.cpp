// Sessions over libpq. connect_timeout bounds the connect; the server ends
// any statement of this session past statement_timeout; tcp_user_timeout
// and keepalives end a session whose server vanished mid-answer.

#include <libpq-fe.h>

#include <algorithm>

#include "db/session.h"

namespace fw::db {
namespace {

class PgSession final : public Session {
 public:
  explicit PgSession(PGconn* c) : c_(c) {}
  ~PgSession() override { PQfinish(c_); }

  Result<Rows> Query(const std::string& sql) override {
    PGresult* res = PQexec(c_, sql.c_str());
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      std::string why = PQresultErrorMessage(res);
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      const std::string code = state ? state : "";
      PQclear(res);
      while (!why.empty() && why.back() == '\n') why.pop_back();
      const ErrorCode c = code == "57014"   ? ErrorCode::kTimeout
                          : code == "42501" ? ErrorCode::kForbidden
                                            : ErrorCode::kIo;
      const std::string first = sql.substr(0, std::min<size_t>(sql.size(), 60));
      return Fail(c, why + " (in: " + first + (sql.size() > 60 ? "..." : "") + ")");
    }
    Rows out;
    const int n = PQnfields(res);
    for (int i = 0; i < n; ++i) out.columns.emplace_back(PQfname(res, i));
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

  Result<void> Use(const std::string&) override { return {}; }
  std::string server_version() const override {
    return "PostgreSQL " + std::to_string(PQserverVersion(c_));
  }

 private:
  PGconn* c_;
};

}  // namespace

Result<std::unique_ptr<Session>> ConnectPostgres(const DatabaseConfig& db, const Credential& who) {
  auto password = who.Password();
  if (!password) return Fail(password.error());
  const int64_t ms = db.timeout.count();
  const std::string connect_s = std::to_string(std::max<int64_t>(2, ms / 1000));
  const std::string port = std::to_string(db.port ? db.port : 5432);
  const std::string options =
      "-c statement_timeout=" + std::to_string(ms) + " -c lock_timeout=" + std::to_string(ms);
  const std::string user_timeout = std::to_string(ms);
  const char* keys[] = {"host",
                        "port",
                        "user",
                        "password",
                        "dbname",
                        "connect_timeout",
                        "options",
                        "application_name",
                        "tcp_user_timeout",
                        "keepalives",
                        nullptr};
  const std::string host = db.socket.empty() ? db.host : db.socket;
  const std::string dbname = db.database.empty() ? "postgres" : db.database;
  const char* values[] = {host.c_str(),
                          port.c_str(),
                          who.user.c_str(),
                          password->c_str(),
                          dbname.c_str(),
                          connect_s.c_str(),
                          options.c_str(),
                          "firewatch",
                          user_timeout.c_str(),
                          "1",
                          nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 0);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string why = c ? PQerrorMessage(c) : "out of memory";
    if (c) PQfinish(c);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    const ErrorCode code = why.find("password authentication failed") != std::string::npos ||
                                   why.find("no pg_hba.conf entry") != std::string::npos
                               ? ErrorCode::kUnauthorized
                           : why.find("timeout") != std::string::npos ? ErrorCode::kTimeout
                                                                      : ErrorCode::kIo;
    return Fail(code, "cannot connect to " + db.name + " at " + db.Address() + " as " + who.user +
                          ": " + why);
  }
  return std::unique_ptr<Session>(std::make_unique<PgSession>(c));
}

}  // namespace fw::db
