#include "alerting/outbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "common/file_io.h"

namespace fw::alerting {
namespace {

namespace fs = std::filesystem;

Result<void> SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open outbox directory " + dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Fail(ErrorCode::kIo, "cannot fsync outbox directory " + dir);
  return {};
}

// File layout: receiver \n url \n created \n body.
Result<void> WriteDurably(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot create " + tmp);
  // A failed write (a full disk) leaves nothing behind: the delivery was
  // not queued, and the temporary file's space is given back.
  Result<void> written = fileio::WriteAll(fd, content, tmp);
  if (written && fileio::Fsync(fd) != 0) {
    written = Fail(ErrorCode::kIo, "cannot fsync " + tmp + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kIo, "cannot rename " + tmp);
  }
  return SyncDir(fs::path(path).parent_path().string());
}

}  // namespace

namespace {

// The file written by Enqueue; nullopt for one that cannot be read.
std::optional<Delivery> ReadDelivery(const fs::path& path, const std::string& id) {
  std::ifstream in(path, std::ios::binary);
  std::string receiver, url, created;
  if (!std::getline(in, receiver) || !std::getline(in, url) || !std::getline(in, created)) {
    return std::nullopt;  // cannot happen for renamed files; skip rather than guess
  }
  std::string body((std::istreambuf_iterator<char>(in)), {});
  // "created priority"; files from before priorities hold just "created".
  char* end = nullptr;
  const Timestamp at = std::strtoll(created.c_str(), &end, 10);
  const int priority = *end == ' ' ? static_cast<int>(std::strtol(end + 1, nullptr, 10)) : 1;
  return Delivery{id, receiver, url, std::move(body), at, priority};
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& dir) {
  auto box = DirOutbox::Open(dir);
  if (!box) return Fail(box.error());
  return std::unique_ptr<Outbox>(std::move(*box));
}

Result<std::unique_ptr<DirOutbox>> DirOutbox::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create outbox " + dir + ": " + ec.message());
  std::unique_ptr<DirOutbox> box(new DirOutbox(dir));
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) {
      fs::remove(entry.path(), ec);
    } else if (name.starts_with("d-")) {
      box->next_ = std::max<uint64_t>(box->next_, std::strtoull(name.c_str() + 2, nullptr, 10) + 1);
      if (auto d = ReadDelivery(entry.path(), name)) box->pending_.emplace(name, std::move(*d));
    }
  }
  return box;
}

Result<std::string> DirOutbox::Enqueue(Delivery d) {
  std::lock_guard lock(mu_);
  char name[32];
  std::snprintf(name, sizeof name, "d-%020llu", static_cast<unsigned long long>(next_++));
  const std::string content = d.receiver + "\n" + d.url + "\n" + std::to_string(d.created) + " " +
                              std::to_string(d.priority) + "\n" + d.body;
  if (auto ok = WriteDurably(dir_ + "/" + name, content); !ok) return Fail(ok.error());
  d.id = name;
  pending_.emplace(name, std::move(d));
  return std::string(name);
}

Result<void> DirOutbox::Done(const std::string& id) {
  std::lock_guard lock(mu_);
  pending_.erase(id);
  std::error_code ec;
  fs::remove(dir_ + "/" + id, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot remove delivered " + id + ": " + ec.message());
  return SyncDir(dir_);
}

std::vector<Delivery> DirOutbox::Pending(int priority) const {
  std::lock_guard lock(mu_);
  std::vector<Delivery> out;
  for (const auto& [id, d] : pending_) {
    if (priority < 0 || d.priority == priority) out.push_back(d);
  }
  return out;
}

}  // namespace fw::alerting
