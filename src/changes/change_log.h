#pragma once
// The change log: deployments, config and feature-flag flips, scaling and
// infrastructure events, as operators and CI systems report them (the
// simulator's changes.ndjson, PagerDuty change events). Root-cause analysis
// reads it to find what changed before an incident; nothing else is
// inferred from it. Thread-safe; bounded (the oldest events go first).

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::changes {

struct ChangeEvent {
  Timestamp time = 0;
  std::string type;     // deployment, config, feature_flag, scaling, instance, action, ...
  std::string service;  // "" when the source did not say
  std::string summary;  // one line for people
  // Every other field the source sent, as strings (version, previous_version,
  // status, rollback, who, flag, ...).
  std::map<std::string, std::string> fields;

  // fields[key], or "" when absent.
  const std::string& Field(std::string_view key) const;
};

// One JSON object with "@timestamp" (RFC 3339) or "timestamp", and "type".
// Nested values are kept as their JSON text.
Result<ChangeEvent> ParseChangeJson(std::string_view line);

class ChangeLog {
 public:
  explicit ChangeLog(size_t capacity = 100'000) : capacity_(capacity) {}

  void Append(ChangeEvent e);
  // Events with from <= time < to, in time order (ties in arrival order).
  std::vector<ChangeEvent> Between(Timestamp from, Timestamp to) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::deque<ChangeEvent> events_;  // sorted by time
};

}  // namespace fw::changes
