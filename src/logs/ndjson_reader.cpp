#include "logs/ndjson_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace fw::logs {

FileEventSource::FileEventSource(std::vector<std::string> paths, Clock& clock,
                                 size_t max_line_bytes)
    : paths_(std::move(paths)), clock_(clock), max_line_bytes_(max_line_bytes) {}

Result<void> FileEventSource::Scan(const TimeRange& range,
                                   const std::function<bool(const LogEvent&)>& fn) {
  for (const std::string& path : paths_) {
    auto more = ScanFile(path, range, fn);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
  }
  return {};
}

Result<bool> FileEventSource::ScanFile(const std::string& path, const TimeRange& range,
                                       const std::function<bool(const LogEvent&)>& fn) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    return Fail(ErrorCode::kNotFound, path + ": cannot open: " + std::strerror(errno));
  }
  const std::string stream = std::filesystem::path(path).filename().string();
  Timestamp last_time = clock_.Now();
  std::string line;
  char buf[1 << 16];
  bool eof = false;
  while (!eof) {
    line.clear();
    bool cut = false;
    // Read one line in chunks; keep at most max_line_bytes_ of it.
    while (true) {
      if (!std::fgets(buf, sizeof buf, f.get())) {
        if (std::ferror(f.get())) {
          return Fail(ErrorCode::kIo, path + ": read error: " + std::strerror(errno));
        }
        eof = true;
        break;
      }
      size_t n = std::strlen(buf);
      const bool newline = n > 0 && buf[n - 1] == '\n';
      if (newline) --n;
      if (line.size() < max_line_bytes_) {
        const size_t keep = std::min(n, max_line_bytes_ - line.size());
        line.append(buf, keep);
        cut = cut || keep < n;
      } else {
        cut = cut || n > 0;
      }
      if (newline) break;
    }
    if (eof && line.empty()) break;
    truncated_lines_ += cut;
    LogEvent e = DecodeLine(line, last_time);
    last_time = e.timestamp;
    e.log_group = path;
    e.log_stream = stream;
    if (range.Contains(e.timestamp) && !fn(e)) return false;
  }
  return true;
}

}  // namespace fw::logs
