#pragma once
// Overrides and shift swaps made while serving (`firewatch oncall override`,
// `firewatch oncall swap`, POST /api/v1/oncall/overrides and /swaps), on top
// of the schedules of firewatch.yml. Each change is a JSON line appended to
// the book's file and fsynced before it is acknowledged:
//   {"op": "add", "id": "ovr-3", "schedule", "user", "start", "end", "by", "reason"}
//   {"op": "remove", "id": "ovr-3"}
// Schedule::OnCall asks the book first: the newest override covering the
// instant wins over the config's overrides and layers. Thread-safe.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::incident {

struct Schedule;

inline constexpr Timestamp kMaxSwapWindow = 92LL * 24 * 3'600'000;

struct BookedOverride {
  std::string id, schedule, user;
  Timestamp start = 0, end = 0;
  std::string by, reason;  // who made it and why (a swap says so)
};

class OverrideBook {
 public:
  // Reads `path` if it exists (a torn last line from a crash is ignored).
  static Result<std::unique_ptr<OverrideBook>> Open(const std::string& path);

  // kInvalidArgument unless start < end and the user is named.
  Result<BookedOverride> Add(BookedOverride o);
  // `to` covers `from`'s shifts of `schedule` within [start, end): one
  // override per shift. kInvalidArgument when `from` has none there, or the
  // window is longer than kMaxSwapWindow.
  Result<std::vector<BookedOverride>> Swap(const Schedule& schedule, const std::string& from,
                                           const std::string& to, Timestamp start, Timestamp end,
                                           const std::string& by);
  Result<void> Remove(const std::string& id);  // kNotFound for an unknown id
  std::vector<BookedOverride> List() const;    // oldest first
  std::optional<std::string> At(const std::string& schedule, Timestamp t) const;

 private:
  explicit OverrideBook(std::string path) : path_(std::move(path)) {}
  Result<void> Append(const std::string& line);  // REQUIRES: mu_ held

  const std::string path_;
  mutable std::mutex mu_;
  std::vector<BookedOverride> overrides_;
  uint64_t next_ = 1;
};

}  // namespace fw::incident
