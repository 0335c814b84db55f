#pragma once
// The databases firewatch diagnoses and acts on, as firewatch.yml declares
// them (docs/databases.md):
//
//   databases:
//     - name: orders-db
//       kind: mysql                  # mysql (MariaDB, MySQL) | postgres
//       address: 127.0.0.1:3306      # or socket: /run/mysqld/mysqld.sock
//       database: shop
//       service: shop                # whose incidents look at it ("" = every one)
//       user: firewatch              # the read-only account diagnostics use
//       password_file: /etc/firewatch/db.pass   # or password_env: VAR
//       app_user: shop               # the application's account (default: the most connected)
//       pool: {idle_timeout: 10m, max_lifetime: 30m}   # the application pool's settings
//       timeout: 5s                  # bounds each connect and each statement
//       actions: {user: firewatch_ops, password_env: FW_DB_OPS, max_kill: 50}
//
// Passwords are read when a connection opens, so a rotated file is picked up.

#include <string>
#include <vector>

#include "common/duration.h"
#include "common/error.h"

namespace YAML {
class Node;
}
namespace fw {
class YamlReader;
}

namespace fw::db {

struct Credential {
  std::string user, password_file, password_env;
  bool empty() const { return user.empty(); }
  // The password: the file's first line, the variable's value, or "".
  Result<std::string> Password() const;
};

struct DatabaseConfig {
  std::string name;
  std::string kind = "mysql";  // "mysql" or "postgres"
  std::string host = "127.0.0.1";
  int port = 0;        // 0 = the kind's default (3306, 5432)
  std::string socket;  // a Unix socket path (MySQL) or directory (PostgreSQL)
  std::string database, service, app_user;
  Credential read;     // diagnostics
  Credential actions;  // runbook actions; empty = actions refused
  int max_kill = 50;   // at most this many sessions per kill action
  Millis timeout{5'000};
  Millis pool_idle_timeout{0}, pool_max_lifetime{0};
  std::string Address() const;  // "127.0.0.1:3306" or the socket
};

struct DatabaseSettings {
  std::vector<DatabaseConfig> databases;
  bool empty() const { return databases.empty(); }
  const DatabaseConfig* Find(const std::string& name) const;
};

// Reads `databases:` from the config's root mapping (absent: none).
DatabaseSettings ReadDatabases(YamlReader& r, const YAML::Node& root);

}  // namespace fw::db
