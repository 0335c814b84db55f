#include "changes/change_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fw::changes {

const std::string& ChangeEvent::Field(std::string_view key) const {
  static const std::string kEmpty;
  auto it = fields.find(std::string(key));
  return it == fields.end() ? kEmpty : it->second;
}

namespace {

std::string SummaryOf(const ChangeEvent& e) {
  if (auto it = e.fields.find("summary"); it != e.fields.end()) return it->second;
  std::string s = e.type;
  if (!e.service.empty()) s += " of " + e.service;
  const std::string& version = e.Field("version");
  if (!version.empty()) {
    s += " " + version;
    if (!e.Field("previous_version").empty()) s += " (from " + e.Field("previous_version") + ")";
  }
  for (const char* key : {"status", "flag", "state", "action", "message"}) {
    if (!e.Field(key).empty()) s += std::string(", ") + key + " " + e.Field(key);
  }
  return s;
}

}  // namespace

Result<ChangeEvent> ParseChangeJson(std::string_view line) {
  auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "a change event must be one JSON object");
  }
  ChangeEvent e;
  const char* time_key = doc.contains("@timestamp") ? "@timestamp" : "timestamp";
  if (!doc.contains(time_key) || !doc[time_key].is_string()) {
    return Fail(ErrorCode::kInvalidArgument,
                "a change event needs \"@timestamp\" (RFC 3339) as a string");
  }
  auto t = ParseTimestamp(doc[time_key].get<std::string>());
  if (!t) return Fail(t.error().WithContext(time_key));
  e.time = *t;
  if (!doc.contains("type") || !doc["type"].is_string()) {
    return Fail(ErrorCode::kInvalidArgument, "a change event needs \"type\" as a string");
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "@timestamp" || it.key() == "timestamp") continue;
    std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (it.key() == "type") {
      e.type = std::move(value);
    } else if (it.key() == "service") {
      e.service = std::move(value);
    } else {
      e.fields.emplace(it.key(), std::move(value));
    }
  }
  e.summary = SummaryOf(e);
  return e;
}

void ChangeLog::Append(ChangeEvent e) {
  std::lock_guard lock(mu_);
  // Sources send in time order almost always; an older event is placed after
  // every event of its time, so ties keep arrival order.
  auto pos = std::upper_bound(events_.begin(), events_.end(), e.time,
                              [](Timestamp t, const ChangeEvent& x) { return t < x.time; });
  events_.insert(pos, std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
}

std::vector<ChangeEvent> ChangeLog::Between(Timestamp from, Timestamp to) const {
  std::lock_guard lock(mu_);
  auto lo = std::lower_bound(events_.begin(), events_.end(), from,
                             [](const ChangeEvent& x, Timestamp t) { return x.time < t; });
  std::vector<ChangeEvent> out;
  for (auto it = lo; it != events_.end() && it->time < to; ++it) out.push_back(*it);
  return out;
}

size_t ChangeLog::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace fw::changes
