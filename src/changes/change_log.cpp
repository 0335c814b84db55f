#include "changes/change_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
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

std::string ChangeJson(const ChangeEvent& e) {
  nlohmann::json doc = {{"@timestamp", FormatRfc3339Millis(e.time)}, {"type", e.type}};
  if (!e.service.empty()) doc["service"] = e.service;
  for (const auto& [k, v] : e.fields) doc[k] = v;
  if (!e.fields.count("summary") && !e.summary.empty()) doc["summary"] = e.summary;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ChangeEvent ChangeFromPagerDuty(Timestamp time, const std::string& summary,
                                const std::string& source, const std::string& custom_details_json) {
  ChangeEvent e;
  e.time = time;
  e.service = source;
  e.fields["summary"] = summary;
  e.fields["source"] = source;
  const auto details = nlohmann::json::parse(custom_details_json, nullptr, false);
  auto pick = [&](std::initializer_list<const char*> keys) -> std::string {
    if (!details.is_object()) return "";
    for (const char* k : keys) {
      auto it = details.find(k);
      if (it == details.end() || it->is_null()) continue;
      return it->is_string() ? it->get<std::string>() : it->dump();
    }
    return "";
  };
  if (details.is_object()) {
    for (auto it = details.begin(); it != details.end(); ++it) {
      e.fields.emplace(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    }
  }
  if (auto v = pick({"service", "app", "application"}); !v.empty()) e.service = v;
  const std::string version = pick({"version", "new_version", "release", "build"});
  if (!version.empty()) e.fields["version"] = version;
  const std::string previous = pick({"previous_version", "old_version", "from_version"});
  if (!previous.empty()) e.fields["previous_version"] = previous;
  const std::string who = pick({"who", "author", "user", "deployed_by"});
  if (!who.empty()) e.fields["who"] = who;
  e.type = pick({"type", "change_type", "kind"});
  if (e.type.empty()) e.type = version.empty() ? "change" : "deployment";
  e.summary = summary.empty() ? SummaryOf(e) : summary;
  return e;
}

namespace {
constexpr int kBroken = -2;  // journal_fd_ after a write that could not be undone
}  // namespace

ChangeLog::~ChangeLog() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

Result<void> ChangeLog::OpenJournal(const std::string& path) {
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto e = ParseChangeJson(line);
      if (e) Append(std::move(*e));  // a torn last line does not parse: dropped
    }
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  // A torn last line must not swallow the next event: start on a new line.
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0) {
    char last = '\n';
    const int rd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (rd >= 0) {
      if (::pread(rd, &last, 1, size - 1) != 1) last = '\n';
      ::close(rd);
    }
    if (last != '\n' && ::write(fd, "\n", 1) != 1) {
      ::close(fd);
      return Fail(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(errno));
    }
  }
  std::lock_guard lock(mu_);
  journal_fd_ = fd;
  return {};
}

Result<void> ChangeLog::Record(ChangeEvent e) {
  {
    std::lock_guard lock(mu_);
    if (journal_fd_ == kBroken) {
      return Fail(ErrorCode::kIo, "the change journal failed earlier; restart to repair it");
    }
    if (journal_fd_ >= 0) {
      const std::string line = ChangeJson(e) + "\n";
      const off_t before = ::lseek(journal_fd_, 0, SEEK_END);
      const ssize_t n = ::write(journal_fd_, line.data(), line.size());
      if (n != static_cast<ssize_t>(line.size()) || ::fdatasync(journal_fd_) != 0) {
        const std::string why = std::strerror(errno);
        // Nothing half-written may stay in front of later events.
        // When that fails too, the journal refuses every later event
        // (fails closed) rather than acknowledging what may not come back.
        if (before < 0 || ::ftruncate(journal_fd_, before) != 0) {
          ::close(journal_fd_);
          journal_fd_ = kBroken;
        }
        return Fail(ErrorCode::kIo, "cannot record the change event: " + why);
      }
    }
  }
  Append(std::move(e));
  return {};
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
