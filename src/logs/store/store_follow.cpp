#include "logs/store/store_follow.h"

#include <algorithm>

#include "logs/store/log_store.h"

namespace fw::logs::store {

StoreFollower::StoreFollower(std::string dir, Clock& clock, TimeRange window,
                             std::vector<std::string> groups)
    : dir_(std::move(dir)), clock_(clock), window_(window), groups_(std::move(groups)) {}

Result<void> StoreFollower::Poll(const std::function<void(const LogEvent&)>& fn) {
  StoreOptions o;
  o.read_only = true;
  auto store = LogStore::Open(dir_, clock_, o);
  if (!store) return Fail(store.error());
  ScanFilter f;
  f.range = window_;
  f.groups = groups_;
  if (!first_) f.min_ingest = cursor_;
  std::vector<LogEvent> fresh;
  Timestamp newest = cursor_;
  int64_t at_newest = at_cursor_, skip = first_ ? 0 : at_cursor_;
  auto r = (*store)->Scan(f, [&](const LogEvent& e) {
    const Timestamp t = e.ingestion_time.value_or(0);
    if (!first_ && t == cursor_ && skip > 0) {
      --skip;  // returned by an earlier poll
      return true;
    }
    if (t > newest) {
      newest = t;
      at_newest = 0;
    }
    at_newest += t == newest;
    fresh.push_back(e);
    return true;
  });
  if (!r) return r;
  if (first_) {
    std::stable_sort(fresh.begin(), fresh.end(), [](const LogEvent& a, const LogEvent& b) {
      return a.timestamp < b.timestamp;
    });
  }
  first_ = false;
  cursor_ = newest;
  at_cursor_ = at_newest;
  for (const LogEvent& e : fresh) fn(e);
  return {};
}

}  // namespace fw::logs::store
