#include "db/databases.h"

#include <algorithm>

#include "db/diagnose.h"
#include "db/session.h"

namespace fw::db {

rca::DbSnapshot DiagnoseOne(const DatabaseConfig& db) {
  rca::DbSnapshot out;
  out.name = db.name;
  out.kind = db.kind;
  out.service = db.service;
  out.app_user = db.app_user;
  out.pool_idle_timeout_s = db.pool_idle_timeout.count() / 1000;
  out.pool_max_lifetime_s = db.pool_max_lifetime.count() / 1000;
  auto session = Connect(db, db.read);
  if (!session) {
    out.error = session.error().message();
    return out;
  }
  if (db.kind == "postgres") {
    DiagnosePostgres(**session, db, out);
  } else {
    DiagnoseMysql(**session, db, out);
  }
  return out;
}

std::string DescribeSnapshot(const rca::DbSnapshot& s) {
  std::string out = s.name + " (" + s.kind + "): ";
  if (!s.error.empty()) return out + "NOT REACHED: " + s.error + "\n";
  out += "answered\n";
  int sleeping = 0, running = 0;
  for (const rca::DbProcess& p : s.processes) (p.command == "Sleep" ? sleeping : running)++;
  out += "  sessions: " + std::to_string(s.processes.size()) + " (" + std::to_string(running) +
         " running, " + std::to_string(sleeping) + " idle)\n";
  if (s.connections >= 0) {
    out += "  connections: " + std::to_string(s.connections) + " of max_connections " +
           std::to_string(s.max_connections) + "\n";
  }
  out += "  lock waits: " + std::to_string(s.lock_waits.size()) + "\n";
  if (!s.slow.empty()) {
    out += "  slowest statement: " + std::to_string(static_cast<int64_t>(s.slow.front().mean_ms)) +
           " ms on average (" + s.slow.front().source + ")\n";
  }
  if (s.plan)
    out += "  plan of the busiest statement: " + s.plan->access + " on " + s.plan->table + "\n";
  if (!s.deadlock.empty()) out += "  a deadlock is on record\n";
  for (const auto& [purpose, sql] : s.statements) out += "  ran (" + purpose + "): " + sql + "\n";
  for (const std::string& g : s.gaps) out += "  could not ask: " + g + "\n";
  return out;
}

Result<std::vector<rca::DbSnapshot>> Databases::Diagnose(const std::vector<std::string>& services) {
  const DatabaseSettings s = settings();
  std::vector<rca::DbSnapshot> out;
  for (const DatabaseConfig& db : s.databases) {
    const bool in_scope = services.empty() || db.service.empty() ||
                          std::find(services.begin(), services.end(), db.service) != services.end();
    if (in_scope) out.push_back(DiagnoseOne(db));
  }
  return out;
}

void Databases::Replace(DatabaseSettings settings) {
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
}

DatabaseSettings Databases::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

}  // namespace fw::db
