#pragma once
// One connection to a database, for diagnostics and actions. Every call is
// bounded by the timeout given to Connect: a database that is down, refuses
// the login or stalls gives an error, never a hang. Not thread-safe; one
// owner at a time.
//
//   auto s = db::Connect(config, config.read);
//   auto rows = (*s)->Query("SELECT @@global.max_connections");
//   rows->Int(0, 0)  // 151

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "db/config.h"

namespace fw::db {

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = SQL NULL
  size_t affected = 0;                                        // for statements without rows

  int Column(const std::string& name) const;  // -1 = none (case-insensitive)
  // Cell as text ("" for NULL or a missing column) or as an integer (`def`).
  std::string Text(size_t row, const std::string& column) const;
  int64_t Int(size_t row, const std::string& column, int64_t def = -1) const;
  std::string Text(size_t row, size_t column) const;
  int64_t Int(size_t row, size_t column, int64_t def = -1) const;
  double Num(size_t row, const std::string& column, double def = 0) const;
};

class Session {
 public:
  virtual ~Session() = default;
  virtual Result<Rows> Query(const std::string& sql) = 0;
  // Makes `database` the default for unqualified names (EXPLAIN of an
  // application's statement). PostgreSQL sessions are bound at connect.
  virtual Result<void> Use(const std::string& database) = 0;
  virtual std::string server_version() const = 0;
  virtual bool mariadb() const { return false; }
};

// Opens a session to `db` as `who`. The error names the database and what
// failed (connect, login, timeout) and never includes the password.
// `in_database` false: a MariaDB/MySQL session with no default database (an
// account for actions needs no privilege on the application's schema).
Result<std::unique_ptr<Session>> Connect(const DatabaseConfig& db, const Credential& who,
                                         bool in_database = true);

Result<std::unique_ptr<Session>> ConnectMysql(const DatabaseConfig& db, const Credential& who,
                                              bool in_database);
Result<std::unique_ptr<Session>> ConnectPostgres(const DatabaseConfig& db, const Credential& who);

}  // namespace fw::db
