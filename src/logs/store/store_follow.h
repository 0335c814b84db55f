#pragma once
// Reads a log store directory the way `aws logs tail --follow` reads a log
// group, for `firewatch logs tail`: first the events of a time window, then,
// poll by poll, the events ingested since the previous poll.
//
// Each poll opens the store read-only afresh (a server or `logs ingest` may
// be writing it; the WAL holds their newest events) and scans the blocks
// whose ingestion times reach past the cursor. The cursor is the newest
// ingestion time seen and how many events of exactly that time were already
// returned, so events appended later in the same millisecond are not lost
// and none is returned twice. Events older than the window's start are never
// returned, as with aws logs tail.
//
// Not thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "logs/event_source.h"

namespace fw::logs::store {

class StoreFollower {
 public:
  // REQUIRES: clock outlives the follower.
  StoreFollower(std::string dir, Clock& clock, TimeRange window,
                std::vector<std::string> groups = {});
  // Calls fn for each event not returned before: on the first call those in
  // the window, in @timestamp order; later, the newly ingested ones in
  // ingestion order.
  Result<void> Poll(const std::function<void(const LogEvent&)>& fn);

 private:
  std::string dir_;
  Clock& clock_;
  TimeRange window_;
  std::vector<std::string> groups_;
  bool first_ = true;
  Timestamp cursor_ = 0;   // newest ingestion time returned
  int64_t at_cursor_ = 0;  // events of that ingestion time returned
};

}  // namespace fw::logs::store
