#include "logs/ndjson_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fw::logs {
namespace {

constexpr size_t kReadBytes = 1 << 20;
constexpr size_t kLookBack = 64 << 10;

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::unexpected<Error> OpenError(const std::string& path) {
  return Fail(ErrorCode::kNotFound, path + ": cannot open: " + std::strerror(errno));
}

// Reads up to len bytes at off; fewer only at the end of the file.
Result<std::string> ReadAt(int fd, uint64_t off, size_t len, const std::string& path) {
  std::string buf(len, '\0');
  size_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrorCode::kIo, path + ": read error: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buf.resize(got);
  return buf;
}

// The first line start at or after `off` (the file size when none).
Result<uint64_t> NextLineStart(int fd, uint64_t off, uint64_t size, const std::string& path) {
  if (off == 0) return 0;
  --off;  // a line starts at off when the byte before it is a newline
  while (off < size) {
    auto buf = ReadAt(fd, off, kLookBack, path);
    if (!buf) return Fail(buf.error());
    if (buf->empty()) break;
    if (const void* nl = std::memchr(buf->data(), '\n', buf->size())) {
      return off + static_cast<uint64_t>(static_cast<const char*>(nl) - buf->data()) + 1;
    }
    off += buf->size();
  }
  return size;
}

// The time of the last timed line before `at` (a line start): nullopt when
// none lies in the kLookBack bytes before it, `now` when the file has none
// before it at all.
Result<std::optional<Timestamp>> TimeBefore(int fd, uint64_t at, Timestamp now,
                                            const std::string& path) {
  static const FieldSet kTimeKeys{{"@timestamp", "timestamp", "time", "ts"}};
  const uint64_t from = at > kLookBack ? at - kLookBack : 0;
  auto buf = ReadAt(fd, from, static_cast<size_t>(at - from), path);
  if (!buf) return Fail(buf.error());
  std::string_view text(*buf);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  while (true) {
    const size_t nl = text.rfind('\n');
    if (nl == std::string_view::npos && from > 0) return std::optional<Timestamp>();
    const std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
    const LogEvent e = DecodeLine(line, now, &kTimeKeys);
    if (e.has_time) return std::optional<Timestamp>(e.timestamp);
    if (nl == std::string_view::npos) return std::optional<Timestamp>(now);
    text = text.substr(0, nl);
  }
}

}  // namespace

FileEventSource::FileEventSource(std::vector<std::string> paths, Clock& clock,
                                 size_t max_line_bytes)
    : clock_(clock), max_line_bytes_(max_line_bytes), counters_(std::make_shared<Counters>()) {
  for (std::string& p : paths) pieces_.push_back(Piece{std::move(p)});
}

FileEventSource::FileEventSource(std::vector<Piece> pieces, const FileEventSource& parent)
    : pieces_(std::move(pieces)),
      clock_(parent.clock_),
      max_line_bytes_(parent.max_line_bytes_),
      hints_(parent.hints_),
      counters_(parent.counters_) {}

Result<void> FileEventSource::Scan(const TimeRange& range,
                                   const std::function<bool(const LogEvent&)>& fn) {
  for (const Piece& p : pieces_) {
    auto more = ScanPiece(p, range, fn);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
  }
  return {};
}

std::vector<std::unique_ptr<EventSource>> FileEventSource::Split(size_t n) {
  std::vector<std::unique_ptr<EventSource>> parts;
  if (n < 2) return parts;
  auto pieces = Cut(n);
  if (!pieces || pieces->size() < 2) return parts;  // errors show when scanned whole
  uint64_t total = 0;
  for (const Piece& p : *pieces) total += p.end - p.begin;
  std::vector<Piece> group;
  uint64_t bytes = 0;
  for (Piece& p : *pieces) {
    bytes += p.end - p.begin;
    group.push_back(std::move(p));
    if (bytes * n >= total * (parts.size() + 1)) {
      parts.push_back(std::unique_ptr<EventSource>(new FileEventSource(std::move(group), *this)));
      group.clear();
    }
  }
  if (!group.empty()) {
    parts.push_back(std::unique_ptr<EventSource>(new FileEventSource(std::move(group), *this)));
  }
  return parts;
}

// Each file in about size/total*n pieces cut at line starts.
Result<std::vector<FileEventSource::Piece>> FileEventSource::Cut(size_t n) const {
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const Piece& p : pieces_) {
    struct stat st {};
    if (p.begin != 0 || p.end != UINT64_MAX || ::stat(p.path.c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode)) {
      return Fail(ErrorCode::kInvalidArgument, "not splittable");
    }
    sizes.push_back(static_cast<uint64_t>(st.st_size));
    total += sizes.back();
  }
  if (total < min_split_bytes_) return Fail(ErrorCode::kInvalidArgument, "small");
  const Timestamp now = clock_.Now();
  std::vector<Piece> out;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const std::string& path = pieces_[i].path;
    Fd fd(path);
    if (fd.get() < 0) return OpenError(path);
    const uint64_t size = sizes[i];
    const uint64_t k = std::max<uint64_t>(1, (size * n + total / 2) / total);
    uint64_t begin = 0;
    for (uint64_t j = 1; j <= k && begin < size; ++j) {
      auto end =
          j == k ? Result<uint64_t>(size) : NextLineStart(fd.get(), size * j / k, size, path);
      if (!end) return Fail(end.error());
      if (*end <= begin) continue;
      auto fallback = TimeBefore(fd.get(), begin, now, path);
      if (!fallback) return Fail(fallback.error());
      if (!*fallback) return Fail(ErrorCode::kInvalidArgument, "no time before a cut");
      out.push_back(Piece{path, begin, *end, true, **fallback});
      begin = *end;
    }
  }
  return out;
}

Result<bool> FileEventSource::ScanPiece(const Piece& p, const TimeRange& range,
                                        const std::function<bool(const LogEvent&)>& fn) {
  Fd fd(p.path);
  if (fd.get() < 0) return OpenError(p.path);
  const std::string stream = std::filesystem::path(p.path).filename().string();
  const FieldSet* fields = hints_.fields;
  const auto* line_filter =
      hints_.line_filter && *hints_.line_filter ? hints_.line_filter : nullptr;
  const bool want_log = !fields || fields->Contains("@log");
  const bool want_stream = !fields || fields->Contains("@logStream");
  Timestamp last_time = p.has_fallback ? p.fallback : clock_.Now();
  int64_t cut_lines = 0, filtered = 0;

  // One line: false when fn asked to stop.
  auto take = [&](std::string_view line, bool cut) {
    cut_lines += cut;
    if (line_filter) {
      std::string_view text = line;
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (!(*line_filter)(text)) {
        ++filtered;
        return true;
      }
    }
    LogEvent e = DecodeLine(line, last_time, fields);
    last_time = e.timestamp;
    if (want_log) e.log_group = p.path;
    if (want_stream) e.log_stream = stream;
    return !range.Contains(e.timestamp) || fn(e);
  };

  std::string buf(kReadBytes, '\0'), carry;
  bool carrying = false, cut = false, more = true;
  uint64_t off = p.begin;  // of the next unread byte
  size_t have = 0, pos = 0;
  while (more && off - (have - pos) < p.end) {
    if (pos == have) {
      const ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), static_cast<off_t>(off));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail(ErrorCode::kIo, p.path + ": read error: " + std::strerror(errno));
      if (n == 0) break;
      have = static_cast<size_t>(n);
      pos = 0;
      off += have;
    }
    const char* start = buf.data() + pos;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', have - pos));
    const size_t len = nl ? static_cast<size_t>(nl - start) : have - pos;
    if (!nl || carrying) {  // a line spanning reads: keep at most max_line_bytes_
      const size_t room = max_line_bytes_ - std::min(max_line_bytes_, carry.size());
      carry.append(start, std::min(len, room));
      cut = cut || len > room;
      carrying = true;
      pos += len;
      if (!nl) continue;
      ++pos;
      more = take(carry, cut);
      carry.clear();
      carrying = cut = false;
      continue;
    }
    more = take(std::string_view(start, std::min(len, max_line_bytes_)), len > max_line_bytes_);
    pos += len + 1;
  }
  if (more && carrying) more = take(carry, cut);
  counters_->truncated += cut_lines;
  counters_->filtered += filtered;
  return more;
}

}  // namespace fw::logs
