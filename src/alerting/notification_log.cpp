#include "alerting/notification_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/file_io.h"
#include "metrics/tsdb/fileutil.h"

namespace fw::alerting {

Result<std::unique_ptr<NotificationLog>> NotificationLog::Open(const std::string& path,
                                                               Timestamp now, Millis max_age) {
  Entries entries;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // torn
      char* end = nullptr;
      const uint64_t digest = std::strtoull(line.c_str(), &end, 16);
      if (*end != ' ') continue;
      char* end2 = nullptr;
      const Timestamp at = std::strtoll(end + 1, &end2, 10);
      if (*end2 != ' ' || now - at > max_age.count()) continue;
      entries[std::string(end2 + 1)] = {digest, at};
    }
  }
  std::string data;
  for (const auto& [key, e] : entries) {
    char head[48];
    std::snprintf(head, sizeof head, "%016llx %lld ", static_cast<unsigned long long>(e.first),
                  static_cast<long long>(e.second));
    data += head + key + "\n";
  }
  const std::string tmp = path + ".tmp";
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (!metrics::tsdb::WriteFileSynced(tmp, data) || !metrics::tsdb::RenameSynced(tmp, path, dir)) {
    ::unlink(tmp.c_str());  // a full disk: keep the old file as it is
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<NotificationLog> log(new NotificationLog(path, fd));
  log->entries_ = std::move(entries);
  log->bytes_ = static_cast<uint64_t>(::lseek(fd, 0, SEEK_END));
  return log;
}

NotificationLog::~NotificationLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> NotificationLog::Record(const std::string& group_key, uint64_t digest, Timestamp at) {
  if (group_key.find('\n') != std::string::npos) return {};
  char head[48];
  std::snprintf(head, sizeof head, "%016llx %lld ", static_cast<unsigned long long>(digest),
                static_cast<long long>(at));
  const std::string line = head + group_key + "\n";
  std::lock_guard lock(mu_);
  if (auto r = fileio::WriteAll(fd_, line, path_); !r) {
    (void)fileio::CutBack(fd_, bytes_, path_);  // no torn line in front of the next
    return r;
  }
  bytes_ += line.size();
  return {};
}

}  // namespace fw::alerting
