#pragma once
// Where a query reads events from. The query executor sees only this
// interface, so the same query runs over files (ndjson_reader.h) and over
// the segment store (store/log_store.h, which uses the time range to skip
// whole blocks).

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "logs/json_flatten.h"
#include "logs/record.h"

namespace fw::logs {

// [start, end) in ms; an absent bound is open.
struct TimeRange {
  std::optional<Timestamp> start, end;
  bool Contains(Timestamp t) const { return (!start || t >= *start) && (!end || t < *end); }
};

// What a query needs (insights/needs.h); a source may use it to do less.
// Pointers must outlive the scans.
struct ScanHints {
  const FieldSet* fields = nullptr;  // a projection; null: every field
  // Lines for which this is false may be dropped before decoding.
  const std::function<bool(std::string_view)>* line_filter = nullptr;
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual void SetHints(const ScanHints&) {}
  // True when every event Scan returns passed the hints' line_filter, so a
  // caller whose filter the line_filter is exactly need not test it again.
  virtual bool AppliesLineFilter() const { return false; }
  // Up to n sources that, scanned one after another, return the events of
  // this one, for scanning on n threads; empty when this source cannot be
  // split (the default). The parts keep this source's hints; they may refer
  // to it, which must outlive them.
  virtual std::vector<std::unique_ptr<EventSource>> Split(size_t /*n*/) { return {}; }
  // Calls `fn` for each event whose @timestamp lies in `range`, in source
  // order. Stops early, without error, when `fn` returns false.
  virtual Result<void> Scan(const TimeRange& range,
                            const std::function<bool(const LogEvent&)>& fn) = 0;
};

// Events held in memory; for tests and small inputs.
class VectorEventSource final : public EventSource {
 public:
  explicit VectorEventSource(std::vector<LogEvent> events) : events_(std::move(events)) {}
  Result<void> Scan(const TimeRange& range,
                    const std::function<bool(const LogEvent&)>& fn) override {
    for (const LogEvent& e : events_) {
      if (range.Contains(e.timestamp) && !fn(e)) break;
    }
    return {};
  }

 private:
  std::vector<LogEvent> events_;
};

}  // namespace fw::logs
