#pragma once
// A throwaway PostgreSQL cluster for tests: initdb into a new temporary
// directory, the server on 127.0.0.1 and a free port, fsync on (the store's
// durability is under test), stopped (immediate) and removed when the
// object goes. As root, the server runs as the `postgres` user, which
// initdb requires. Debian's `postgresql` package provides the binaries.

#include <memory>
#include <string>

namespace fw::ha_test {

class PgCluster {
 public:
  // nullptr and `why` set when the cluster cannot start.
  static std::unique_ptr<PgCluster> Start(std::string* why);
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  // A libpq connection string for `db` as the superuser.
  std::string Dsn(const std::string& db = "postgres") const;
  // Runs SQL through psql; false (and the error in `out`) on failure.
  bool Psql(const std::string& sql, std::string* out = nullptr,
            const std::string& db = "postgres") const;

 private:
  PgCluster() = default;
  std::string dir_, bindir_;
  int port_ = 0;
  bool started_ = false;
};

// A cluster shared by a test binary, started on first use; nullptr (and
// the reason) when PostgreSQL is not installed or will not start.
PgCluster* SharedCluster(std::string* why);

// A fresh schema name per call, so tests on one cluster never share tables.
std::string FreshSchema(const std::string& prefix);

}  // namespace fw::ha_test
