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
// The inverse: one line ParseChangeJson reads back as the same event.
std::string ChangeJson(const ChangeEvent& e);

// A PagerDuty change event (Events API v2 /v2/change/enqueue) as a change:
// custom_details may say what changed, with firewatch's own keys or the
// usual CI names: type (deployment by default when a version is given,
// else "change"), service (else the event's source), version / new_version
// / release, previous_version / old_version, author / user / who, status.
ChangeEvent ChangeFromPagerDuty(Timestamp time, const std::string& summary,
                                const std::string& source, const std::string& custom_details_json);

class ChangeLog {
 public:
  explicit ChangeLog(size_t capacity = 100'000) : capacity_(capacity) {}
  ~ChangeLog();

  // Makes the log durable in `path` (NDJSON, one event a line): the events
  // already there are loaded, and Record() appends and fsyncs before it
  // returns. A torn last line (a crash mid-write) is cut off. A Record whose
  // write or sync fails (ENOSPC, EIO) is cut back out of the file before
  // the error (kIo) is returned and is not added to the log; when the cut
  // fails too, Record refuses every event until a retry of it succeeds.
  Result<void> OpenJournal(const std::string& path);
  // Appends to the journal (when open), then to the log.
  Result<void> Record(ChangeEvent e);

  void Append(ChangeEvent e);
  // Events with from <= time < to, in time order (ties in arrival order).
  std::vector<ChangeEvent> Between(Timestamp from, Timestamp to) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::deque<ChangeEvent> events_;  // sorted by time
  int journal_fd_ = -1;
  std::string journal_path_;
  uint64_t journal_bytes_ = 0;   // the journal's size after its last good event
  bool journal_broken_ = false;  // a failed write could not be cut back yet
};

}  // namespace fw::changes
