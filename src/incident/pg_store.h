#pragma once
// PgStore: the IncidentStore in PostgreSQL, for teams that run firewatch
// as several replicas (docs/ha.md). Same contract as SqliteStore: each
// mutation is one transaction, committed (WAL-flushed by the server) before
// it returns; ids and timeline seqs are never reused and seqs increase in
// commit order (writers take one transaction-scoped advisory lock, as
// SQLite's BEGIN IMMEDIATE serialises them); updates are optimistic on the
// incident's version. The schema is versioned (schema_version) and migrated
// forward on open under an advisory lock, so replicas starting together
// migrate once; a schema written by a newer firewatch is refused.
//
// Fencing: when options.fence returns an epoch, every mutation first checks
// in its transaction that the leader lease still carries it
// (pg::LeaderLease::Fence), so a leader that lost its lease cannot write.
// Thread-safe (one connection behind a mutex).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "incident/store.h"
#include "pg/connection.h"

namespace fw::incident {

struct PgStoreOptions {
  pg::ConnectOptions connect;
  int target_version = 0;  // migrate only up to this version; 0 = the latest (tests)
  // The epoch writes are fenced by, while this process leads; nullopt:
  // unfenced (a follower's API writes, a single server).
  std::function<std::optional<int64_t>()> fence;
  std::string lease_name = "leader";
};

class PgStore final : public IncidentStore {
 public:
  static Result<std::unique_ptr<PgStore>> Open(PgStoreOptions options);
  static int LatestSchemaVersion();
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

  // Copies an incident exactly as stored elsewhere (its number, version,
  // timeline and action items), for `firewatch admin migrate-state`.
  // kInvalidArgument if that number is taken.
  Result<void> Import(const Incident& incident, const std::vector<TimelineEntry>& timeline,
                      const std::vector<ActionItem>& items);

 private:
  PgStore(std::unique_ptr<pg::PgConnection> c, PgStoreOptions o)
      : c_(std::move(c)), options_(std::move(o)) {}
  Result<void> Migrate(int target);
  // BEGIN, the writers' lock and the fence. REQUIRES: mu_ held.
  Result<void> BeginWrite(pg::PgTx& tx);
  Result<void> WriteAlerts(int64_t num, const Incident& incident, const std::vector<size_t>* only);
  Result<void> AppendEntries(int64_t num, const std::vector<TimelineEntry>& entries);
  Result<void> UpdateLocked(const Incident& incident, const std::vector<TimelineEntry>& entries,
                            const std::vector<size_t>* only);
  Result<std::vector<Incident>> ReadIncidents(const std::string& where,
                                              const std::vector<pg::Param>& params) const;
  Result<std::vector<ActionItem>> ReadActionItems(int64_t num, const std::string& id,
                                                  std::optional<int64_t> item) const;
  Result<bool> IncidentExists(int64_t num) const;

  std::unique_ptr<pg::PgConnection> c_;
  PgStoreOptions options_;
  int schema_version_ = 0;
  mutable std::mutex mu_;
};

}  // namespace fw::incident
