#pragma once
// A durable outbox for notifications: each delivery (a URL and a body) is a
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

class Outbox {
 public:
  // Creates `dir` if needed; removes torn temporaries from a crash.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& dir);

  Result<std::string> Enqueue(Delivery d);
  Result<void> Done(const std::string& id);
  // Undelivered, oldest first; `priority` >= 0: only those of that priority.
  std::vector<Delivery> Pending(int priority = -1) const;

 private:
  explicit Outbox(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  mutable std::mutex mu_;
  uint64_t next_ = 0;
  std::map<std::string, Delivery> pending_;  // by id (oldest first)
};

}  // namespace fw::alerting
