// Database evidence from the process list: connections the application left
// idle for minutes (leaked), queries running longer than 30 s, and a
// connection of another user idle in a transaction while others wait for
// row locks (the classic blocker).

#include <algorithm>
#include <map>

#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr int64_t kLongQueryS = 30;
constexpr int64_t kLongIdleS = 60;
const char* const kProcessList = "SHOW FULL PROCESSLIST";

bool SystemUser(const std::string& u) {
  return u == "event_scheduler" || u == "system user" || u == "exporter" || u == "repl" ||
         u == "replication";
}

}  // namespace

void CollectDatabase(DbDiagnostics& db, Features& f, Analysis& a) {
  auto rows = db.ProcessList();
  if (!rows) {
    a.gaps.push_back("database process list: " + rows.error().message());
    return;
  }
  DbState& s = f.db;
  s.present = true;
  std::map<std::string, int> per_user;
  for (const DbProcess& p : *rows) {
    if (!SystemUser(p.user)) ++per_user[p.user];
  }
  std::string app_user;
  for (const auto& [u, n] : per_user) {
    if (app_user.empty() || n > per_user[app_user]) app_user = u;
  }
  const DbProcess* blocker = nullptr;
  for (const DbProcess& p : *rows) {
    if (SystemUser(p.user)) continue;
    ++s.connections;
    if (p.command == "Query" && p.time_s > kLongQueryS) ++s.long_queries;
    if (p.command != "Sleep" || p.time_s <= kLongIdleS) continue;
    if (p.user == app_user) {
      ++s.app_long_idle;
      s.max_idle_s = std::max(s.max_idle_s, p.time_s);
    } else if (!p.db.empty() && (!blocker || p.time_s > blocker->time_s)) {
      blocker = &p;
    }
  }
  auto add = [&](std::string id, std::string title, std::string detail, double score) {
    Evidence e;
    e.kind = EvidenceKind::kDatabase;
    e.id = std::move(id);
    e.title = std::move(title);
    e.detail = std::move(detail);
    e.query = kProcessList;
    e.language = "sql";
    e.score = score;
    s.evidence_ids.push_back(e.id);
    a.evidence.push_back(std::move(e));
  };
  add("db:processlist",
      std::to_string(s.connections) + " client connections (" + std::to_string(per_user[app_user]) +
          " of " + (app_user.empty() ? "none" : app_user) + ")",
      std::to_string(s.long_queries) + " queries running > 30 s; " +
          std::to_string(s.app_long_idle) + " application connections idle > 60 s",
      0);
  if (s.app_long_idle >= 3) {
    add("db:idle_app_connections",
        std::to_string(s.app_long_idle) + " " + app_user +
            " connections idle for minutes (oldest " + std::to_string(s.max_idle_s) +
            " s): checked out and never returned",
        "a pool returns idle connections within seconds; these sit in Sleep while the pool "
        "counts them as active",
        static_cast<double>(s.app_long_idle));
  }
  if (s.long_queries > 0) {
    add("db:long_queries", std::to_string(s.long_queries) + " queries running longer than 30 s",
        "SELECT * FROM information_schema.processlist WHERE command = 'Query' AND time > 30",
        static_cast<double>(s.long_queries));
  }
  if (blocker) {
    s.blocker = "connection " + std::to_string(blocker->id) + " (" + blocker->user + "@" +
                blocker->host + ") idle " + std::to_string(blocker->time_s) + " s";
    add("db:idle_transaction", s.blocker + " in database " + blocker->db,
        "a connection of another user that sleeps for minutes holds any row locks its open "
        "transaction took; see information_schema.innodb_trx",
        static_cast<double>(blocker->time_s));
  }
}

}  // namespace fw::rca
