#pragma once
// SqliteStore: the IncidentStore in one SQLite file. WAL journal with
// synchronous=FULL, so a committed transaction is fsynced and survives
// kill -9; every mutation is one BEGIN IMMEDIATE ... COMMIT. The schema is
// versioned (table schema_version) and migrated forward on open; a file
// written by a newer firewatch is refused rather than misread.
// Thread-safe (one connection behind a mutex); several processes may share
// a file (SQLite's locking, with a busy timeout).

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "incident/sqlite_util.h"
#include "incident/store.h"

namespace fw::incident {

struct SqliteOptions {
  // Migrate only up to this version; 0 = the latest. For tests that need a
  // database as an older firewatch left it.
  int target_version = 0;
};

class SqliteStore final : public IncidentStore {
 public:
  // Opens or creates the database at `path` (its directory must exist) and
  // migrates it.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteOptions options = {});
  static int LatestSchemaVersion();

  ~SqliteStore() override;
  int schema_version() const { return schema_version_; }

  Result<Incident> Create(const Incident& incident,
                          const std::vector<TimelineEntry>& entries) override;
  Result<Incident> Update(const Incident& incident,
                          const std::vector<TimelineEntry>& entries) override;
  Result<int64_t> UpdateSome(const Incident& incident, const std::vector<TimelineEntry>& entries,
                             const std::vector<size_t>& changed_alerts) override;
  Result<Incident> Get(const std::string& id) const override;
  Result<std::vector<TimelineEntry>> Timeline(const std::string& id) const override;
  Result<std::vector<Incident>> List(const IncidentFilter& filter) const override;
  Result<std::optional<Incident>> FindOpen(const std::string& group_key) const override;
  Result<std::optional<Incident>> FindResolvedSince(const std::string& group_key,
                                                    Timestamp since) const override;
  Result<std::vector<ActionItem>> AddActionItems(const std::string& incident_id,
                                                 const std::vector<ActionItem>& items,
                                                 const ActionItemEntry& entry) override;
  Result<std::vector<ActionItem>> ActionItems(const std::string& incident_id) const override;
  Result<ActionItem> SetActionItemDone(const std::string& incident_id, const std::string& item_id,
                                       bool done, Timestamp now,
                                       const ActionItemEntry& entry) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  Result<void> Migrate(int target);
  // A cached prepared statement for a fixed SQL text. REQUIRES: mu_ held.
  Result<sql::Stmt> Prepare(const char* text) const;
  // Every linked alert, or those at the indices `only`.
  Result<void> WriteAlerts(int64_t num, const Incident& incident,
                           const std::vector<size_t>* only = nullptr);
  Result<void> UpdateLocked(const Incident& incident, const std::vector<TimelineEntry>& entries,
                            const std::vector<size_t>* only);
  Result<void> AppendEntries(int64_t num, const std::vector<TimelineEntry>& entries);
  // Reads incidents from a statement whose columns are kIncidentColumns.
  Result<std::vector<Incident>> ReadIncidents(sql::Stmt& stmt) const;
  // REQUIRES: mu_ held.
  Result<bool> IncidentExists(int64_t num) const;
  Result<std::vector<ActionItem>> ReadActionItems(int64_t num, const std::string& id,
                                                  std::optional<int64_t> item) const;
  Result<std::optional<Incident>> FindOne(const char* text, const std::string& key,
                                          std::optional<Timestamp> since) const;

  sqlite3* db_;
  int schema_version_ = 0;
  mutable std::mutex mu_;
  mutable std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace fw::incident
