#include "metrics/tsdb/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "common/file_io.h"
#include "common/numbered_files.h"
#include "metrics/tsdb/encoding.h"
#include "metrics/tsdb/fileutil.h"

namespace fw::metrics::tsdb {
namespace {

constexpr uint8_t kSeriesRecord = 1;
constexpr uint8_t kSamplesRecord = 2;
constexpr uint8_t kChunkRecord = 3;
constexpr uint8_t kFloorRecord = 4;
constexpr size_t kHeader = 9;  // length, crc, type

Error IoError(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

std::string SegmentName(const std::string& dir, uint32_t n) { return NumberedFile(dir, n); }

std::vector<uint32_t> ListSegments(const std::string& dir) { return ListNumberedFiles(dir); }

constexpr std::string_view kCheckpointPrefix = "checkpoint.";

std::string CheckpointName(const std::string& dir, uint32_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "checkpoint.%08u", n);
  return dir + "/" + name;
}

// Complete checkpoints (sorted) and the names of torn ones (".tmp").
std::vector<uint32_t> ListCheckpoints(const std::string& dir, std::vector<std::string>* torn) {
  std::vector<uint32_t> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (!n.starts_with(kCheckpointPrefix)) continue;
    const std::string num = n.substr(kCheckpointPrefix.size());
    if (num.size() == 8 && std::all_of(num.begin(), num.end(), ::isdigit)) {
      out.push_back(static_cast<uint32_t>(std::stoul(num)));
    } else if (torn) {
      torn->push_back(dir + "/" + n);
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool DecodeChunk(Decoder& d, WalHandler& h, WalReplayStats& st) {
  uint64_t ref, n, bits;
  std::string_view bytes;
  if (!d.Varint(ref) || !d.Varint(n) || !d.Varint(bits) || !d.Bytes((bits + 7) / 8, bytes) ||
      !d.done() || n > (1u << 20)) {
    return false;
  }
  std::vector<WalSample> batch;
  batch.reserve(n);
  XorIterator it(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), bits,
                 static_cast<int>(n));
  while (it.Next()) batch.push_back({ref, it.At().t, it.At().v});
  if (it.corrupt() || batch.size() != n) return false;
  h.OnSamples(batch);
  st.samples += batch.size();
  return true;
}

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
      s.t = Unzigzag(t);
      s.v = std::bit_cast<double>(v);
      batch.push_back(s);
    }
    h.OnSamples(batch);
    st.samples += batch.size();
    return true;
  }
  if (type == kChunkRecord) return DecodeChunk(d, h, st);
  if (type == kFloorRecord) {
    uint64_t f;
    if (!d.Fixed(f) || !d.done()) return false;
    h.OnFloor(static_cast<Timestamp>(f));
    return true;
  }
  return false;
}

// The record at `pos` if it is whole and its checksum holds: its length.
std::optional<uint32_t> IntactAt(std::string_view data, size_t pos) {
  if (data.size() - pos < kHeader) return std::nullopt;
  uint32_t len, crc;
  std::memcpy(&len, data.data() + pos, 4);
  std::memcpy(&crc, data.data() + pos + 4, 4);
  const uint8_t type = static_cast<uint8_t>(data[pos + 8]);
  if (type < kSeriesRecord || type > kFloorRecord) return std::nullopt;
  if (len > data.size() - pos - kHeader) return std::nullopt;
  if (Crc32c(data.data() + pos + 8, len + 1) != crc) return std::nullopt;
  return len;
}

// Replays one segment; returns the offset just past the last good record.
// A torn or damaged record followed by intact ones (a write cut short by a
// full disk, from a version that appended after it) is skipped: replay
// resumes at the next offset holding an intact record, so acknowledged
// records after it are not lost. Garbage after the last intact record is
// the torn tail.
size_t ReplaySegment(const std::string& path, WalHandler& h, WalReplayStats& st, bool last) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::string data;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) data.append(buf, static_cast<size_t>(n));
  ::close(fd);
  size_t pos = 0, good = 0;
  while (pos < data.size()) {
    std::optional<uint32_t> len = IntactAt(data, pos);
    if (len && DecodeRecord(static_cast<uint8_t>(data[pos + 8]),
                            std::string_view(data.data() + pos + kHeader, *len), h, st)) {
      ++st.records;
      pos += kHeader + *len;
      good = pos;
      continue;
    }
    // Look for the next intact record; none: the rest is a torn tail.
    size_t next = pos + 1;
    while (next < data.size() && !IntactAt(data, next)) ++next;
    if (next >= data.size()) break;
    ++st.skipped;
    st.skipped_bytes += next - pos;
    if (st.damaged_at.empty()) st.damaged_at = path + " at byte " + std::to_string(pos);
    pos = next;
  }
  if (good < data.size()) {
    if (last) {
      st.torn_tail = true;
    } else {
      ++st.skipped;
      st.skipped_bytes += data.size() - good;
      if (st.damaged_at.empty()) st.damaged_at = path + " at byte " + std::to_string(good);
    }
  }
  return good;
}

}  // namespace

Wal::Wal(std::string dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(IoError("cannot create WAL directory " + dir));
  }
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  // Finish what a crash interrupted: torn checkpoints go, and so do the
  // segments and checkpoints that the newest complete checkpoint replaces.
  std::vector<std::string> torn;
  const std::vector<uint32_t> checkpoints = ListCheckpoints(dir, &torn);
  for (const std::string& t : torn) {
    if (auto r = RemoveTree(t); !r) return Fail(r.error());
  }
  const uint32_t covered = checkpoints.empty() ? 0 : checkpoints.back();
  if (covered > 0) {
    if (auto r = wal->RemoveCovered(covered); !r) return Fail(r.error());
  }
  const std::vector<uint32_t> segments = ListSegments(dir);
  if (segments.empty()) {
    if (auto r = wal->OpenSegment(covered + 1, true); !r) return Fail(r.error());
    if (auto r = wal->Sync(); !r) return Fail(r.error());
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

Result<void> Wal::RemoveCovered(uint32_t upto) {
  for (uint32_t n : ListSegments(dir_)) {
    if (n <= upto && ::unlink(SegmentName(dir_, n).c_str()) != 0 && errno != ENOENT) {
      return Fail(IoError("cannot remove WAL segment " + SegmentName(dir_, n)));
    }
  }
  for (uint32_t n : ListCheckpoints(dir_, nullptr)) {
    if (n < upto) {
      if (auto r = RemoveTree(CheckpointName(dir_, n)); !r) return r;
    }
  }
  return SyncDir(dir_);
}

Result<void> Wal::OpenSegment(uint32_t n, bool create) {
  const std::string path = SegmentName(dir_, n);
  // The new file first: when it cannot be opened (a full disk), the log
  // stays on the current segment.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (fd < 0) return Fail(IoError("cannot open WAL segment " + path));
  struct stat stbuf {};
  ::fstat(fd, &stbuf);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_ = n;
  segment_size_ = static_cast<size_t>(stbuf.st_size);
  synced_size_ = segment_size_;
  dir_dirty_ = dir_dirty_ || create;
  return {};
}

void Wal::Undo() {
  if (fileio::CutBack(fd_, synced_size_, "WAL segment " + SegmentName(dir_, segment_))) {
    segment_size_ = synced_size_;
    broken_ = false;
  } else {
    broken_ = true;
  }
}

Result<void> Wal::Repair() {
  Undo();
  if (broken_) {
    return Fail(
        IoError("the write-ahead log is read-only until a failed write can be cut back "
                "(free disk space); cannot truncate " +
                SegmentName(dir_, segment_)));
  }
  return {};
}

Result<void> Wal::Append(uint8_t type, const std::string& payload) {
  if (broken_) {
    if (auto r = Repair(); !r) return r;
  }
  if (segment_size_ > 0 && segment_size_ == synced_size_ &&
      segment_size_ + kHeader + payload.size() > options_.segment_bytes) {
    // The finished segment must be durable before records go to the next.
    if (fileio::Fsync(fd_) != 0) return Fail(IoError("cannot sync WAL segment"));
    if (auto r = OpenSegment(segment_ + 1, true); !r) return r;
  }
  std::string rec(kHeader, '\0');
  const uint32_t len = static_cast<uint32_t>(payload.size());
  std::memcpy(rec.data(), &len, 4);
  rec[8] = static_cast<char>(type);
  rec += payload;
  const uint32_t crc = Crc32c(rec.data() + 8, payload.size() + 1);
  std::memcpy(rec.data() + 4, &crc, 4);
  if (auto r = fileio::WriteAll(fd_, rec, "WAL segment " + SegmentName(dir_, segment_)); !r) {
    Undo();  // the batch is not acknowledged: none of it may stay
    return r;
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
    PutVarint(p, Zigzag(s.t));
    PutFixed(p, std::bit_cast<uint64_t>(s.v));
  }
  return Append(kSamplesRecord, p);
}

Result<void> Wal::Sync() {
  if (broken_) {
    if (auto r = Repair(); !r) return r;
  }
  if (fileio::Fdatasync(fd_) != 0) {
    Error e = IoError("cannot sync WAL segment " + SegmentName(dir_, segment_));
    Undo();  // after a failed fdatasync the unsynced records are unknown: drop them
    return Fail(e);
  }
  if (dir_dirty_) {
    if (auto r = SyncDir(dir_); !r) {
      Undo();
      return r;
    }
    dir_dirty_ = false;
  }
  synced_size_ = segment_size_;
  return {};
}

Result<uint32_t> Wal::Rotate() {
  if (auto r = Sync(); !r) return Fail(r.error());
  // The finished segment must be durable before records go to the next.
  if (fileio::Fsync(fd_) != 0) return Fail(IoError("cannot sync WAL segment"));
  const uint32_t closed = segment_;
  if (auto r = OpenSegment(segment_ + 1, true); !r) return Fail(r.error());
  if (auto r = Sync(); !r) return Fail(r.error());
  return closed;
}

Result<void> Wal::Checkpoint(uint32_t upto, const std::function<Result<void>(Wal&)>& fill) {
  const std::string final_dir = CheckpointName(dir_, upto);
  const std::string tmp = final_dir + ".tmp";
  if (auto r = RemoveTree(tmp); !r) return r;
  {
    auto cp = Wal::Open(tmp, WalOptions{SIZE_MAX});
    if (!cp) return Fail(cp.error());
    if (auto r = fill(**cp); !r) return r;
    if (auto r = (*cp)->Sync(); !r) return r;
  }
  if (auto r = SyncDir(tmp); !r) return r;
  if (auto r = RenameSynced(tmp, final_dir, dir_); !r) return r;
  return RemoveCovered(upto);
}

Result<void> Wal::LogChunk(uint64_t ref, const XorChunk& chunk) {
  std::string p;
  PutVarint(p, ref);
  PutVarint(p, static_cast<uint64_t>(chunk.num_samples()));
  PutVarint(p, chunk.bit_count());
  p.append(reinterpret_cast<const char*>(chunk.bytes().data()), chunk.bytes().size());
  return Append(kChunkRecord, p);
}

Result<void> Wal::LogFloor(Timestamp floor) {
  std::string p;
  PutFixed(p, static_cast<uint64_t>(floor));
  return Append(kFloorRecord, p);
}

Result<WalReplayStats> Wal::Replay(const std::string& dir, WalHandler& handler) {
  WalReplayStats st;
  const std::vector<uint32_t> checkpoints = ListCheckpoints(dir, nullptr);
  if (!checkpoints.empty()) {
    st.checkpoint = checkpoints.back();
    const std::string cp = CheckpointName(dir, st.checkpoint);
    for (uint32_t n : ListSegments(cp)) {
      // A checkpoint was fsynced before its rename: any damage is corruption.
      ReplaySegment(SegmentName(cp, n), handler, st, false);
      if (!st.damaged_at.empty()) {
        st.corruption = st.damaged_at;
        return st;
      }
    }
  }
  std::vector<uint32_t> segments = ListSegments(dir);
  std::erase_if(segments, [&](uint32_t n) { return n <= st.checkpoint; });
  for (size_t i = 0; i < segments.size(); ++i) {
    ++st.segments;
    const bool last = i + 1 == segments.size();
    // Damaged records are skipped (see ReplaySegment); what follows them,
    // in this segment and later ones, still replays.
    ReplaySegment(SegmentName(dir, segments[i]), handler, st, last);
  }
  return st;
}

}  // namespace fw::metrics::tsdb
