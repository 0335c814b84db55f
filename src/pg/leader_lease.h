#pragma once
// LeaderLease: which of several `serve` replicas on one PostgreSQL leads.
// The lease is a row (name, holder, epoch, expires_at) timed by the
// database's clock, so replicas' clocks need not agree. TryAcquire takes a
// free or expired lease, or renews one this holder already has; each new
// holder gets the next epoch. The epoch fences: a write made for the leader
// checks, in its own transaction and under FOR SHARE, that the lease still
// carries the writer's epoch (Fence), so a leader that was paused past its
// lease and woke up cannot write after a successor took over: the
// successor's epoch bump waits for the old leader's open transaction, and
// the old leader's next one fails. Not thread-safe (owns no connection;
// callers pass theirs and lock it).

#include <chrono>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "pg/connection.h"

namespace fw::pg {

struct LeaseState {
  bool leader = false;
  int64_t epoch = 0;   // this holder's epoch while leader; else the current one
  std::string holder;  // who holds it now ("" = nobody has ever)
};

class LeaderLease {
 public:
  // `name` tells leases apart (one per firewatch cluster sharing a schema);
  // `holder` must be unique per process (host, pid and a random part).
  LeaderLease(std::string name, std::string holder, std::chrono::milliseconds ttl)
      : name_(std::move(name)), holder_(std::move(holder)), ttl_(ttl) {}

  // Creates the lease table if missing.
  static Result<void> Prepare(PgConnection& c);
  // Takes or renews the lease. One statement, so two replicas racing for an
  // expired lease cannot both win.
  Result<LeaseState> TryAcquire(PgConnection& c);
  // Gives the lease up now (graceful shutdown), so a follower need not wait
  // for it to expire.
  Result<void> Release(PgConnection& c);

  // Inside an open transaction: succeeds only while `epoch` is still the
  // lease's; fails with kForbidden ("no longer the leader") otherwise.
  static Result<void> Fence(PgConnection& c, const std::string& name, int64_t epoch);

  const std::string& name() const { return name_; }
  const std::string& holder() const { return holder_; }
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  std::string name_;
  std::string holder_;
  std::chrono::milliseconds ttl_;
};

// "host:pid:random": unique per process, readable in the lease row.
std::string MakeHolderId();

}  // namespace fw::pg
