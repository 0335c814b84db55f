#include "changes/change_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_io.h"

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

ChangeLog::~ChangeLog() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

Result<void> ChangeLog::OpenJournal(const std::string& path) {
  uint64_t intact = 0;  // bytes up to the end of the last whole line
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline: torn by a crash mid-write
      intact += line.size() + 1;
      if (line.empty()) continue;
      auto e = ParseChangeJson(line);
      if (!e) {
        // A torn line glued to an intact one (a version that appended
        // after a failed write): the event is the last '{' the rest parses from.
        for (size_t at = line.rfind('{'); at != std::string::npos && at > 0;
             at = line.rfind('{', at - 1)) {
          if ((e = ParseChangeJson(std::string_view(line).substr(at)))) break;
        }
      }
      if (e) Append(std::move(*e));
    }
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  // A torn last line must not swallow the next event: it is cut off (which
  // needs no free space, so a full disk does not stop the start).
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0 && static_cast<uint64_t>(size) != intact) {
    if (auto r = fileio::CutBack(fd, intact, path); !r) {
      ::close(fd);
      return r;
    }
  }
  std::lock_guard lock(mu_);
  journal_fd_ = fd;
  journal_path_ = path;
  journal_bytes_ = intact;
  return {};
}

Result<void> ChangeLog::Record(ChangeEvent e) {
  {
    std::lock_guard lock(mu_);
    if (journal_fd_ >= 0) {
      if (journal_broken_) {
        // A failed write is still in the file: cut it off before anything else.
        if (auto r = fileio::CutBack(journal_fd_, journal_bytes_, journal_path_); !r) {
          return Fail(ErrorCode::kIo,
                      "the change journal is read-only until a failed write can be cut back "
                      "(free disk space): " +
                          r.error().message());
        }
        journal_broken_ = false;
      }
      const std::string line = ChangeJson(e) + "\n";
      Result<void> w = fileio::WriteAll(journal_fd_, line, journal_path_);
      if (w && fileio::Fdatasync(journal_fd_) != 0) {
        w = Fail(ErrorCode::kIo, "cannot sync " + journal_path_ + ": " + std::strerror(errno));
      }
      if (!w) {
        // Nothing half-written may stay in front of later events. When the
        // cut fails too, the journal refuses every later event (fails
        // closed) until a retry of the cut succeeds.
        if (!fileio::CutBack(journal_fd_, journal_bytes_, journal_path_)) journal_broken_ = true;
        return Fail(ErrorCode::kIo, "cannot record the change event: " + w.error().message());
      }
      journal_bytes_ += line.size();
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
