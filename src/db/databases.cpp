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
