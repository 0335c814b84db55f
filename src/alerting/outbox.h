#pragma once
// DirOutbox, a durable outbox for notifications: each delivery (a URL and a body) is a
// file in the outbox directory, written to a temporary name, fsynced and
// renamed (directory fsynced) before Enqueue returns, and removed once
// delivered. After a crash or restart, Pending() returns what was not
// delivered, so nothing acknowledged to the router is lost. The pending
// deliveries are also kept in memory (read from the directory once, at
// Open), so Pending() costs no disk reads however many are queued (a storm
// of groups). Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw::alerting {

struct Delivery {
  std::string id;  // assigned by Enqueue
  std::string receiver;
  std::string url;
  std::string body;  // JSON
  Timestamp created = 0;
  int priority = 1;  // NotificationPriority: 0 pages, 1 the rest
};

// Where the notifier finds what to deliver: the directory below (one
// server), or PostgreSQL shared by replicas (pg_outbox.h).
class Outbox {
 public:
  virtual ~Outbox() = default;
  // The directory outbox: creates `dir` if needed; removes torn temporaries
  // from a crash.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& dir);

  // Returns once `d` is durable, with its id.
  virtual Result<std::string> Enqueue(Delivery d) = 0;
  virtual Result<void> Done(const std::string& id) = 0;
  // Undelivered, oldest first; `priority` >= 0: only those of that priority.
  virtual std::vector<Delivery> Pending(int priority = -1) const = 0;
  // Takes `d` for one attempt by this process for up to `hold`, before it
  // is sent: false when another process holds it, it is done, or this
  // process may no longer send. One process per directory: always true.
  virtual Result<bool> Claim(const Delivery& d, Millis hold) {
    (void)d;
    (void)hold;
    return true;
  }
};

class DirOutbox final : public Outbox {
 public:
  static Result<std::unique_ptr<DirOutbox>> Open(const std::string& dir);

  Result<std::string> Enqueue(Delivery d) override;
  Result<void> Done(const std::string& id) override;
  std::vector<Delivery> Pending(int priority = -1) const override;

 private:
  explicit DirOutbox(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  mutable std::mutex mu_;
  uint64_t next_ = 0;
  std::map<std::string, Delivery> pending_;  // by id (oldest first)
};

}  // namespace fw::alerting
