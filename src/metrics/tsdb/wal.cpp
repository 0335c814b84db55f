#include "metrics/tsdb/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fw::metrics::tsdb {
namespace {

constexpr uint8_t kSeriesRecord = 1;
constexpr uint8_t kSamplesRecord = 2;
constexpr size_t kHeader = 9;  // length, crc, type

Error IoError(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

std::string SegmentName(const std::string& dir, uint32_t n) {
  char name[16];
  std::snprintf(name, sizeof name, "%08u", n);
  return dir + "/" + name;
}

std::vector<uint32_t> ListSegments(const std::string& dir) {
  std::vector<uint32_t> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() == 8 && std::all_of(n.begin(), n.end(), ::isdigit)) {
      out.push_back(static_cast<uint32_t>(std::stoul(n)));
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out += s;
}

void PutFixed(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
}

class Decoder {
 public:
  explicit Decoder(std::string_view d) : d_(d) {}
  bool done() const { return pos_ == d_.size(); }
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos_ < d_.size(); shift += 7) {
      const uint8_t b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool String(std::string_view& s) {
    uint64_t n;
    if (!Varint(n) || n > d_.size() - pos_) return false;
    s = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Fixed(uint64_t& v) {
    if (d_.size() - pos_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(d_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return true;
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

bool DecodeRecord(uint8_t type, std::string_view payload, WalHandler& h, WalReplayStats& st) {
  Decoder d(payload);
  if (type == kSeriesRecord) {
    while (!d.done()) {
      WalSeries s;
      uint64_t n;
      if (!d.Varint(s.ref) || !d.Varint(n)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        std::string_view name, value;
        if (!d.String(name) || !d.String(value)) return false;
        s.labels.Set(name, value);
      }
      h.OnSeries(s);
      ++st.series;
    }
    return true;
  }
  if (type == kSamplesRecord) {
    std::vector<WalSample> batch;
    while (!d.done()) {
      WalSample s;
      uint64_t t, v;
      if (!d.Varint(s.ref) || !d.Varint(t) || !d.Fixed(v)) return false;
      s.t = static_cast<Timestamp>((t >> 1) ^ (~(t & 1) + 1));  // zigzag
      s.v = std::bit_cast<double>(v);
      batch.push_back(s);
    }
    h.OnSamples(batch);
    st.samples += batch.size();
    return true;
  }
  return false;
}

// Replays one segment; returns the offset just past the last good record.
size_t ReplaySegment(const std::string& path, WalHandler& h, WalReplayStats& st, bool last) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  std::string data;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) data.append(buf, static_cast<size_t>(n));
  ::close(fd);
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kHeader) break;
    uint32_t len, crc;
    std::memcpy(&len, data.data() + pos, 4);
    std::memcpy(&crc, data.data() + pos + 4, 4);
    if (len > data.size() - pos - kHeader) break;
    const char* body = data.data() + pos + 8;
    if (Crc32c(body, len + 1) != crc) break;
    if (!DecodeRecord(static_cast<uint8_t>(body[0]), std::string_view(body + 1, len), h, st)) break;
    ++st.records;
    pos += kHeader + len;
  }
  if (pos < data.size()) {
    if (last) {
      st.torn_tail = true;
    } else {
      st.corruption = path + " at byte " + std::to_string(pos);
    }
  }
  return pos;
}

}  // namespace

uint32_t Crc32c(const void* data, size_t n, uint32_t crc) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

Wal::Wal(std::string dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(IoError("cannot create WAL directory " + dir));
  }
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  const std::vector<uint32_t> segments = ListSegments(dir);
  if (segments.empty()) {
    if (auto r = wal->OpenSegment(1, true); !r) return Fail(r.error());
    return wal;
  }
  // Cut a torn tail off the newest segment so new records follow good ones.
  struct Ignore final : WalHandler {
    void OnSeries(const WalSeries&) override {}
    void OnSamples(std::span<const WalSample>) override {}
  } ignore;
  WalReplayStats st;
  const std::string last = SegmentName(dir, segments.back());
  const size_t good = ReplaySegment(last, ignore, st, true);
  if (st.torn_tail && ::truncate(last.c_str(), static_cast<off_t>(good)) != 0) {
    return Fail(IoError("cannot repair WAL segment " + last));
  }
  if (auto r = wal->OpenSegment(segments.back(), false); !r) return Fail(r.error());
  return wal;
}

Result<void> Wal::OpenSegment(uint32_t n, bool create) {
  if (fd_ >= 0) ::close(fd_);
  const std::string path = SegmentName(dir_, n);
  fd_ =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (fd_ < 0) return Fail(IoError("cannot open WAL segment " + path));
  struct stat stbuf {};
  ::fstat(fd_, &stbuf);
  segment_ = n;
  segment_size_ = static_cast<size_t>(stbuf.st_size);
  dir_dirty_ = dir_dirty_ || create;
  return {};
}

Result<void> Wal::Append(uint8_t type, const std::string& payload) {
  if (segment_size_ > 0 && segment_size_ + kHeader + payload.size() > options_.segment_bytes) {
    // The finished segment must be durable before records go to the next.
    if (::fsync(fd_) != 0) return Fail(IoError("cannot sync WAL segment"));
    if (auto r = OpenSegment(segment_ + 1, true); !r) return r;
  }
  std::string rec(kHeader, '\0');
  const uint32_t len = static_cast<uint32_t>(payload.size());
  std::memcpy(rec.data(), &len, 4);
  rec[8] = static_cast<char>(type);
  rec += payload;
  const uint32_t crc = Crc32c(rec.data() + 8, payload.size() + 1);
  std::memcpy(rec.data() + 4, &crc, 4);
  size_t done = 0;
  while (done < rec.size()) {
    const ssize_t n = ::write(fd_, rec.data() + done, rec.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(IoError("cannot write WAL segment"));
    done += static_cast<size_t>(n);
  }
  segment_size_ += rec.size();
  return {};
}

Result<void> Wal::LogSeries(std::span<const WalSeries> series) {
  std::string p;
  for (const WalSeries& s : series) {
    PutVarint(p, s.ref);
    PutVarint(p, s.labels.size());
    for (const Label& l : s.labels.labels()) {
      PutString(p, l.name);
      PutString(p, l.value);
    }
  }
  return Append(kSeriesRecord, p);
}

Result<void> Wal::LogSamples(std::span<const WalSample> samples) {
  std::string p;
  p.reserve(samples.size() * 14);
  for (const WalSample& s : samples) {
    PutVarint(p, s.ref);
    PutVarint(p, (static_cast<uint64_t>(s.t) << 1) ^ static_cast<uint64_t>(s.t >> 63));
    PutFixed(p, std::bit_cast<uint64_t>(s.v));
  }
  return Append(kSamplesRecord, p);
}

Result<void> Wal::Sync() {
  if (::fdatasync(fd_) != 0) return Fail(IoError("cannot sync WAL segment"));
  if (dir_dirty_) {
    const int d = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
    if (d < 0 || ::fsync(d) != 0) {
      if (d >= 0) ::close(d);
      return Fail(IoError("cannot sync WAL directory " + dir_));
    }
    ::close(d);
    dir_dirty_ = false;
  }
  return {};
}

Result<WalReplayStats> Wal::Replay(const std::string& dir, WalHandler& handler) {
  WalReplayStats st;
  const std::vector<uint32_t> segments = ListSegments(dir);
  for (size_t i = 0; i < segments.size(); ++i) {
    ++st.segments;
    const bool last = i + 1 == segments.size();
    ReplaySegment(SegmentName(dir, segments[i]), handler, st, last);
    if (!st.corruption.empty()) break;  // later segments cannot be trusted in order
  }
  return st;
}

}  // namespace fw::metrics::tsdb
