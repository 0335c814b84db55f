#pragma once
// The declared databases as the analysis sees them: Diagnose() opens a
// session to each database serving the incident's services (with the
// read-only account), asks it what DiagnoseMysql / DiagnosePostgres ask,
// and closes it. A database that cannot be reached is a snapshot with its
// error set, so the analysis names the gap. Thread-safe: every call opens
// its own sessions; Replace() (config reload) may run concurrently.

#include <mutex>

#include "db/config.h"
#include "rca/analysis.h"

namespace fw::db {

class Databases final : public rca::DbDiagnostics {
 public:
  explicit Databases(DatabaseSettings settings) : settings_(std::move(settings)) {}
  Result<std::vector<rca::DbSnapshot>> Diagnose(const std::vector<std::string>& services) override;
  void Replace(DatabaseSettings settings);
  DatabaseSettings settings() const;
  bool empty() const { return settings().empty(); }

 private:
  mutable std::mutex mu_;
  DatabaseSettings settings_;
};

// One database's snapshot (used by Diagnose and by `firewatch check databases`).
rca::DbSnapshot DiagnoseOne(const DatabaseConfig& db);

// A snapshot for people: what was asked (each statement), what it said, and
// what could not be asked, one fact per line.
std::string DescribeSnapshot(const rca::DbSnapshot& s);

}  // namespace fw::db
