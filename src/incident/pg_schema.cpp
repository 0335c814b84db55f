// Opening a PgStore: the schema migrations. Append-only, as SQLite's: never
// edit a released one, add the next. Times are ms since the epoch (BIGINT),
// as in the SQLite store, so both spell an incident the same way.

#include <array>

#include "incident/pg_store.h"
#include "pg/leader_lease.h"

namespace fw::incident {
namespace {

// kPgMigrations[i] takes the schema from version i to version i + 1.
constexpr std::array<const char*, 2> kPgMigrations = {
    // 1: incidents, timelines, linked alerts and action items, with the
    // indexes for dedup lookups, listing by time and reading a timeline.
    R"sql(
CREATE TABLE incidents (
  num BIGSERIAL PRIMARY KEY,
  title TEXT NOT NULL,
  services JSONB NOT NULL DEFAULT '[]',
  severity INTEGER NOT NULL,
  state TEXT NOT NULL,
  group_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  acknowledged_at BIGINT,
  mitigated_at BIGINT,
  resolved_at BIGINT,
  closed_at BIGINT,
  roles JSONB NOT NULL DEFAULT '{}',
  version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE timeline (
  seq BIGSERIAL PRIMARY KEY,
  incident BIGINT NOT NULL REFERENCES incidents(num),
  time BIGINT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE incident_alerts (
  incident BIGINT NOT NULL REFERENCES incidents(num),
  fingerprint TEXT NOT NULL,
  labels JSONB NOT NULL,
  firing BOOLEAN NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  PRIMARY KEY (incident, fingerprint)
);
CREATE TABLE action_items (
  incident BIGINT NOT NULL REFERENCES incidents(num),
  num BIGINT NOT NULL,
  text TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  done BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  done_at BIGINT,
  PRIMARY KEY (incident, num)
);
CREATE INDEX incidents_by_key ON incidents(group_key, state);
CREATE INDEX incidents_by_created ON incidents(created_at);
CREATE INDEX timeline_by_incident ON timeline(incident, seq);
)sql",
    // 2: what replicas share besides incidents (alerting/pg_alert_state.h):
    // the notification outbox, claimed per attempt; alerts taken in by any
    // replica, routed by the leader; which notification each group sent;
    // silences (matchers one per line, as Matcher::ToString writes them);
    // the responder's approval gates and their answers.
    R"sql(
CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  receiver TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  created BIGINT NOT NULL,
  priority INTEGER NOT NULL,
  done_at TIMESTAMPTZ,
  claimed_until TIMESTAMPTZ,
  claimed_epoch BIGINT,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox(id) WHERE done_at IS NULL;
CREATE TABLE intake (
  id BIGSERIAL PRIMARY KEY,
  received BIGINT NOT NULL,
  fingerprint TEXT NOT NULL,
  alert TEXT NOT NULL
);
CREATE INDEX intake_by_fingerprint ON intake(fingerprint, id);
CREATE TABLE notification_log (
  group_key TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE TABLE approvals (
  incident TEXT NOT NULL,
  gate TEXT NOT NULL,
  since BIGINT NOT NULL,
  answer BOOLEAN,
  PRIMARY KEY (incident, gate)
);
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT NOT NULL
);
)sql",
};

// Serialises migrations of every replica starting at once.
constexpr const char* kPgMigrationLock = "SELECT pg_advisory_xact_lock(7046, 1)";

}  // namespace

int PgStore::LatestSchemaVersion() { return static_cast<int>(kPgMigrations.size()); }

Result<std::unique_ptr<PgStore>> PgStore::Open(PgStoreOptions options) {
  auto c = pg::PgConnection::Open(options.connect);
  if (!c) return Fail(c.error().WithContext("incident store"));
  const int target = options.target_version > 0 ? options.target_version : LatestSchemaVersion();
  std::unique_ptr<PgStore> store(new PgStore(std::move(*c), std::move(options)));
  if (auto r = store->Migrate(target); !r) return Fail(r.error());
  if (auto r = pg::LeaderLease::Prepare(*store->c_); !r) return Fail(r.error());
  return store;
}

Result<void> PgStore::Migrate(int target) {
  pg::PgTx tx(*c_);
  if (auto r = tx.Begin(); !r) return r;
  if (auto r = c_->Exec(kPgMigrationLock); !r) return Fail(r.error());
  if (auto r =
          c_->ExecScript("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      !r) {
    return r;
  }
  auto read = c_->Exec("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!read) return Fail(read.error());
  const int version = static_cast<int>(read->Int(0, 0));
  if (version > LatestSchemaVersion()) {
    return Fail(ErrorCode::kInvalidArgument,
                "incident store " + c_->where() + ": schema version " + std::to_string(version) +
                    " is newer than this firewatch knows (" +
                    std::to_string(LatestSchemaVersion()) + "); run a newer firewatch");
  }
  for (int v = version; v < target; ++v) {
    if (auto r = c_->ExecScript(kPgMigrations[v]); !r) {
      return Fail(r.error().WithContext("migration to schema version " + std::to_string(v + 1)));
    }
  }
  if (target > version) {
    if (auto r = c_->Exec("DELETE FROM schema_version"); !r) return Fail(r.error());
    auto set =
        c_->Exec("INSERT INTO schema_version VALUES ($1::integer)", {std::to_string(target)});
    if (!set) return Fail(set.error());
  }
  if (auto r = tx.Commit(); !r) return r;
  schema_version_ = std::max(version, target);
  return {};
}

Result<void> PgStore::BeginWrite(pg::PgTx& tx) {
  if (auto r = tx.Begin(); !r) return r;
  // Timeline seqs must increase in commit order: one writer at a time.
  if (auto r = c_->Exec("SELECT pg_advisory_xact_lock(7046, 2)"); !r) return Fail(r.error());
  if (options_.fence) {
    if (auto epoch = options_.fence()) {
      return pg::LeaderLease::Fence(*c_, options_.lease_name, *epoch);
    }
  }
  return {};
}

}  // namespace fw::incident
