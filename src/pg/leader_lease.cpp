// The lease row and its single-statement takeover. Times are the
// database's (now()), so replicas with skewed clocks agree on expiry.

#include "pg/leader_lease.h"

#include <unistd.h>

#include <random>

namespace fw::pg {

Result<void> LeaderLease::Prepare(PgConnection& c) {
  return c.ExecScript(
      "CREATE TABLE IF NOT EXISTS leader_lease ("
      " name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch BIGINT NOT NULL,"
      " expires_at TIMESTAMPTZ NOT NULL)");
}

Result<LeaseState> LeaderLease::TryAcquire(PgConnection& c) {
  // A holder renewing a live lease keeps its epoch; anyone taking a free or
  // expired lease (even its last holder, after a pause) starts a new one.
  const std::string ttl_ms = std::to_string(ttl_.count());
  auto won = c.Exec(
      "INSERT INTO leader_lease AS l (name, holder, epoch, expires_at) "
      "VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond') "
      "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
      " epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() "
      "              THEN l.epoch ELSE l.epoch + 1 END, "
      " expires_at = excluded.expires_at "
      "WHERE l.holder = excluded.holder OR l.expires_at <= now() "
      "RETURNING epoch",
      {name_, holder_, ttl_ms});
  if (!won) return Fail(won.error());
  if (!won->empty()) return LeaseState{.leader = true, .epoch = won->Int(0, 0), .holder = holder_};
  auto now = c.Exec("SELECT holder, epoch FROM leader_lease WHERE name = $1", {name_});
  if (!now) return Fail(now.error());
  LeaseState s;
  if (!now->empty()) {
    s.holder = now->Text(0, 0);
    s.epoch = now->Int(0, 1);
  }
  return s;
}

Result<void> LeaderLease::Release(PgConnection& c) {
  auto r = c.Exec("UPDATE leader_lease SET expires_at = now() WHERE name = $1 AND holder = $2",
                  {name_, holder_});
  if (!r) return Fail(r.error());
  return {};
}

Result<void> LeaderLease::Fence(PgConnection& c, const std::string& name, int64_t epoch) {
  auto r = c.Exec("SELECT 1 FROM leader_lease WHERE name = $1 AND epoch = $2 FOR SHARE",
                  {name, std::to_string(epoch)});
  if (!r) return Fail(r.error());
  if (r->empty()) {
    return Fail(ErrorCode::kForbidden, "no longer the leader (epoch " + std::to_string(epoch) +
                                           " was taken over); the write was not made");
  }
  return {};
}

std::string MakeHolderId() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) | rd();
  char suffix[17];
  snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(r));
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

}  // namespace fw::pg
