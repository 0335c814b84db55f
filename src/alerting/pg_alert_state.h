#pragma once
// What `serve` replicas on one PostgreSQL share besides incidents
// (docs/ha.md). Tables are made by the state schema's migrations
// (incident/pg_schema.cpp); open these after the PgStore.
//
// PgOutbox: the notification outbox. The leader enqueues (fenced by its
// epoch); before each attempt Claim marks the row as taken until `hold`
// runs out, in one statement that also checks the epoch, so two replicas
// never send one notification at once and a deposed leader sends nothing.
// A leader that dies mid-send leaves its claim to run out; its successor
// then sends it again (the one window where a receiver may see a
// notification twice; Alertmanager receivers dedup on groupKey).
//
// PgAlertIntake: alerts any replica took in (Alertmanager webhooks,
// PagerDuty events), committed before the sender gets its answer; the
// leader reads them in commit order (Since) and routes them; a new leader
// first replays the latest record of each alert still firing or resolved
// within `keep` (Replay). It also keeps which notification each group sent
// last (RecordSent / Sent), so a new leader's router does not send again
// what its predecessor sent.
//
// Thread-safe: each object has its own connection behind a mutex.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "alerting/outbox.h"
#include "alerting/router.h"
#include "pg/connection.h"

namespace fw::alerting {

// The epoch to fence writes with while leading; nullopt: not leading.
using LeaderEpoch = std::function<std::optional<int64_t>()>;

class PgOutbox final : public Outbox {
 public:
  static Result<std::unique_ptr<PgOutbox>> Open(const pg::ConnectOptions& c, LeaderEpoch epoch,
                                                std::string lease_name = "leader");
  Result<std::string> Enqueue(Delivery d) override;
  Result<void> Done(const std::string& id) override;
  std::vector<Delivery> Pending(int priority = -1) const override;
  Result<bool> Claim(const Delivery& d, Millis hold) override;

 private:
  PgOutbox(std::unique_ptr<pg::PgConnection> c, LeaderEpoch e, std::string lease)
      : c_(std::move(c)), epoch_(std::move(e)), lease_(std::move(lease)) {}
  std::unique_ptr<pg::PgConnection> c_;
  LeaderEpoch epoch_;
  std::string lease_;
  mutable std::mutex mu_;
};

class PgAlertIntake {
 public:
  static Result<std::unique_ptr<PgAlertIntake>> Open(const pg::ConnectOptions& c);

  // Durable (committed) when it returns.
  Result<void> Append(const std::vector<RoutedAlert>& alerts, Timestamp now);
  // Alerts committed after the row `after`, in order, and the last row read
  // (`after` again when none). At most `limit` rows.
  Result<std::pair<std::vector<RoutedAlert>, int64_t>> Since(int64_t after, size_t limit = 5000);
  // The latest record of every alert still firing, or resolved at or after
  // now - keep; and the last row, to follow on from with Since.
  Result<std::pair<std::vector<RoutedAlert>, int64_t>> Replay(Timestamp now, Millis keep);

  Result<void> RecordSent(const std::string& group_key, uint64_t digest, Timestamp at);
  // Every group's last notification no older than `max_age`.
  Result<std::map<std::string, std::pair<uint64_t, Timestamp>>> Sent(Timestamp now, Millis max_age);

  // Silences, made or expired on any replica (insert or replace by id).
  Result<void> SaveSilence(const Silence& s);
  // Every silence that has not ended, or ended less than `keep` ago.
  Result<std::vector<Silence>> Silences(Timestamp now, Millis keep);

 private:
  explicit PgAlertIntake(std::unique_ptr<pg::PgConnection> c) : c_(std::move(c)) {}
  std::unique_ptr<pg::PgConnection> c_;
  std::mutex mu_;
};

}  // namespace fw::alerting
