#include "incident/override_book.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_io.h"
#include "incident/oncall.h"

namespace fw::incident {
namespace {

using nlohmann::json;

json ToJson(const BookedOverride& o) {
  return {{"op", "add"},    {"id", o.id},        {"schedule", o.schedule},
          {"user", o.user}, {"start", o.start},  {"end", o.end},
          {"by", o.by},     {"reason", o.reason}};
}

}  // namespace

Result<std::unique_ptr<OverrideBook>> OverrideBook::Open(const std::string& path) {
  std::unique_ptr<OverrideBook> book(new OverrideBook(path));
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) continue;  // a torn tail
    const std::string id = j["id"];
    if (j.value("op", "") == "remove") {
      std::erase_if(book->overrides_, [&](const BookedOverride& o) { return o.id == id; });
      continue;
    }
    BookedOverride o{id,
                     j.value("schedule", ""),
                     j.value("user", ""),
                     j.value("start", Timestamp{0}),
                     j.value("end", Timestamp{0}),
                     j.value("by", ""),
                     j.value("reason", "")};
    book->next_ = std::max<uint64_t>(book->next_, std::strtoull(id.c_str() + 4, nullptr, 10) + 1);
    book->overrides_.push_back(std::move(o));
  }
  return book;
}

Result<void> OverrideBook::Append(const std::string& line) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path_);
  Result<void> w = fileio::WriteAll(fd, line + "\n", path_);
  if (w && fileio::Fsync(fd) != 0) w = Fail(ErrorCode::kIo, "cannot fsync " + path_);
  ::close(fd);
  return w;
}

Result<BookedOverride> OverrideBook::Add(BookedOverride o) {
  if (o.user.empty()) return Fail(ErrorCode::kInvalidArgument, "an override needs a user");
  if (o.start >= o.end) return Fail(ErrorCode::kInvalidArgument, "an override needs start < end");
  std::lock_guard lock(mu_);
  o.id = "ovr-" + std::to_string(next_);
  if (auto w = Append(ToJson(o).dump()); !w) return Fail(w.error());
  ++next_;
  overrides_.push_back(o);
  return o;
}

Result<std::vector<BookedOverride>> OverrideBook::Swap(const Schedule& schedule,
                                                       const std::string& from,
                                                       const std::string& to, Timestamp start,
                                                       Timestamp end, const std::string& by) {
  if (start >= end) return Fail(ErrorCode::kInvalidArgument, "a swap needs start < end");
  // Shifts are found minute by minute: a window is bounded like the shifts API's.
  if (end - start > kMaxSwapWindow) {
    return Fail(ErrorCode::kInvalidArgument, "a swap's window is at most 92 days");
  }
  std::vector<BookedOverride> out;
  for (const Shift& s : schedule.Shifts(start, end)) {
    if (s.user != from) continue;
    auto o = Add({"", schedule.name, to, s.start, s.end, by, to + " covers " + from + " (swap)"});
    if (!o) return Fail(o.error());
    out.push_back(std::move(*o));
  }
  if (out.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                from + " has no shift on " + schedule.name + " in that window");
  }
  return out;
}

Result<void> OverrideBook::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(overrides_.begin(), overrides_.end(),
                         [&](const BookedOverride& o) { return o.id == id; });
  if (it == overrides_.end()) return Fail(ErrorCode::kNotFound, "no override " + id);
  if (auto w = Append(json{{"op", "remove"}, {"id", id}}.dump()); !w) return w;
  overrides_.erase(it);
  return {};
}

std::vector<BookedOverride> OverrideBook::List() const {
  std::lock_guard lock(mu_);
  return overrides_;
}

std::optional<std::string> OverrideBook::At(const std::string& schedule, Timestamp t) const {
  std::lock_guard lock(mu_);
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (it->schedule == schedule && it->start <= t && t < it->end) return it->user;
  }
  return std::nullopt;
}

}  // namespace fw::incident
