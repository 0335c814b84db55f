#pragma once
// NotificationLog: which notification each aggregation group last sent
// (Alertmanager's nflog), kept across restarts in DATA/nflog so that alerts
// put back from the intake journal after a restart are not notified again
// when their group already told exactly them (a storm is not replayed in
// full after every restart). One line per notification sent: "digest at
// group-key", appended once its deliveries are in the outbox; Open keeps
// the latest line per group no older than `max_age` and rewrites the file
// (a rewrite that fails, on a full disk, is skipped). Lines are not fsynced:
// the log only saves re-sending, and a lost line means a notification sent
// twice, never one lost. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw::alerting {

class NotificationLog {
 public:
  using Entries = std::map<std::string, std::pair<uint64_t, Timestamp>>;  // key -> (digest, at)

  static Result<std::unique_ptr<NotificationLog>> Open(const std::string& path, Timestamp now,
                                                       Millis max_age = Millis(7 * 86'400'000LL));
  ~NotificationLog();
  NotificationLog(const NotificationLog&) = delete;
  NotificationLog& operator=(const NotificationLog&) = delete;

  // What the log held at Open.
  const Entries& entries() const { return entries_; }
  Result<void> Record(const std::string& group_key, uint64_t digest, Timestamp at);

 private:
  NotificationLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  Entries entries_;
  std::mutex mu_;
  uint64_t bytes_ = 0;  // the file's size after its last whole line
};

}  // namespace fw::alerting
