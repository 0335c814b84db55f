// Opening a SqliteStore: connection settings for durability and the schema
// migrations. Migrations are append-only: never edit a released one, add
// the next.

#include <array>

#include "incident/sqlite_store.h"

namespace fw::incident {
namespace {

// kMigrations[i] takes the schema from version i to version i + 1.
constexpr std::array<const char*, 4> kMigrations = {
    // 1: incidents and their timelines. services is a JSON array, roles a
    // JSON object {role: person}; times are ms since the epoch.
    R"sql(
CREATE TABLE incidents (
  num INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  services TEXT NOT NULL DEFAULT '[]',
  severity INTEGER NOT NULL,
  state TEXT NOT NULL,
  group_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  mitigated_at INTEGER,
  resolved_at INTEGER,
  closed_at INTEGER,
  roles TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE timeline (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident INTEGER NOT NULL REFERENCES incidents(num),
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
)sql",
    // 2: alerts linked to incidents, labels as a JSON object.
    R"sql(
CREATE TABLE incident_alerts (
  incident INTEGER NOT NULL REFERENCES incidents(num),
  fingerprint TEXT NOT NULL,
  labels TEXT NOT NULL,
  firing INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (incident, fingerprint)
);
)sql",
    // 3: indexes for dedup lookups, listing by time and reading a timeline.
    R"sql(
CREATE INDEX incidents_by_key ON incidents(group_key, state);
CREATE INDEX incidents_by_created ON incidents(created_at);
CREATE INDEX timeline_by_incident ON timeline(incident, seq);
)sql",
    // 4: action items from post-incident reviews; num is per incident (AI-num).
    R"sql(
CREATE TABLE action_items (
  incident INTEGER NOT NULL REFERENCES incidents(num),
  num INTEGER NOT NULL,
  text TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  done INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  done_at INTEGER,
  PRIMARY KEY (incident, num)
);
)sql",
};

Result<int> ReadVersion(sqlite3* db) {
  auto made = sql::Exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  if (!made) return Fail(made.error());
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return Fail(sql::DbError(db, "reading schema version"));
  }
  sql::Stmt stmt(raw, /*owned=*/true);
  auto row = stmt.Step();
  if (!row) return Fail(row.error());
  return static_cast<int>(stmt.OptInt(0).value_or(0));
}

// Durability settings; see the header. WAL must actually be on: some file
// systems refuse it, and then the promise would silently not hold.
Result<void> Configure(sqlite3* db) {
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &raw, nullptr) != SQLITE_OK) {
    return Fail(sql::DbError(db, "setting WAL mode"));
  }
  sql::Stmt stmt(raw, /*owned=*/true);
  auto row = stmt.Step();
  if (!row) return Fail(row.error());
  if (!*row || stmt.Text(0) != "wal") {
    return Fail(sql::DbError(db, "the file system does not support WAL mode"));
  }
  return sql::Exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

}  // namespace

int SqliteStore::LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteOptions options) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e(ErrorCode::kIo, "incident store " + path +
                                ": cannot open: " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return Fail(e);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  auto configured = Configure(db);
  if (!configured) return Fail(configured.error());
  const int target = options.target_version > 0 ? options.target_version : LatestSchemaVersion();
  auto migrated = store->Migrate(target);
  if (!migrated) return Fail(migrated.error());
  return store;
}

// All pending migrations in one transaction; the version is read inside it
// so two processes opening the same old file do not both migrate.
Result<void> SqliteStore::Migrate(int target) {
  sql::Tx tx(db_);
  if (auto r = tx.Begin(); !r) return r;
  auto version = ReadVersion(db_);
  if (!version) return Fail(version.error());
  if (*version > LatestSchemaVersion()) {
    return Fail(ErrorCode::kInvalidArgument,
                "incident store " + std::string(sqlite3_db_filename(db_, "main")) +
                    ": schema version " + std::to_string(*version) +
                    " is newer than this firewatch knows (" +
                    std::to_string(LatestSchemaVersion()) + "); run a newer firewatch");
  }
  for (int v = *version; v < target; ++v) {
    if (auto r = sql::Exec(db_, kMigrations[v]); !r) {
      return Fail(r.error().WithContext("migration to schema version " + std::to_string(v + 1)));
    }
  }
  if (target > *version) {
    const std::string set = "DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                            std::to_string(target) + ")";
    if (auto r = sql::Exec(db_, set.c_str()); !r) return r;
  }
  if (auto r = tx.Commit(); !r) return r;
  schema_version_ = std::max(*version, target);
  return {};
}

SqliteStore::~SqliteStore() {
  for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<sql::Stmt> SqliteStore::Prepare(const char* text) const {
  auto it = cache_.find(text);
  if (it != cache_.end()) return sql::Stmt(it->second, /*owned=*/false);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_, text, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
    return Fail(sql::DbError(db_, "preparing a statement"));
  }
  cache_.emplace(text, raw);
  return sql::Stmt(raw, /*owned=*/false);
}

}  // namespace fw::incident
