#include "logs/store/log_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/file_io.h"
#include "common/numbered_files.h"

namespace fw::logs::store {

struct LogStore::BlockRef {
  uint64_t offset = 0;  // of the frame header in the segment file
  uint32_t len = 0;     // payload length
  BlockSummary summary;
};

struct LogStore::Segment {
  uint32_t number = 0;
  std::string path;
  uint64_t bytes = 0;
  std::vector<std::shared_ptr<const BlockRef>> blocks;
};

namespace {

Error IoError(const std::string& what) {
  return Error(ErrorCode::kIo, "log store: " + what + ": " + std::strerror(errno));
}

std::string SegmentPath(const std::string& dir, uint32_t n) { return NumberedFile(dir, n, ".seg"); }

std::vector<uint32_t> ListSegments(const std::string& dir) {
  return ListNumberedFiles(dir, ".seg");
}

Result<void> SyncDir(const std::string& dir) {
  const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0 || fileio::Fsync(d) != 0) {
    Error e = IoError("cannot sync directory " + dir);
    if (d >= 0) ::close(d);
    return Fail(e);
  }
  ::close(d);
  return {};
}

// Appends a frame at `size` (the file's size after its last good frame)
// and fdatasyncs it. On failure (ENOSPC, EIO, a short write) the file is cut
// back to `size`, so that a later append never follows half a frame. A cut
// that fails leaves the file longer than `size`: the next append finds that
// and retries the cut first, and fails (the store refuses writes) until it
// succeeds.
Result<void> WriteDurably(int fd, std::string_view frame, const std::string& path, uint64_t size) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > size) {
    if (auto c = fileio::CutBack(fd, size, path); !c) {
      return Fail(
          c.error().WithContext("log store: read-only until a failed write can be cut "
                                "back (free disk space)"));
    }
  }
  auto r = fileio::WriteAll(fd, frame, "log store file " + path);
  if (r && fileio::Fdatasync(fd) != 0) r = Fail(IoError("cannot sync " + path));
  if (!r) (void)fileio::CutBack(fd, size, path);
  return r;
}

// Reads [offset, offset+n) of fd; false on a short read.
bool ReadAt(int fd, uint64_t offset, size_t n, std::string& out) {
  out.resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

Result<std::string> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(IoError("cannot open " + path));
  struct stat st {};
  ::fstat(fd, &st);
  std::string data;
  const bool ok = ReadAt(fd, 0, static_cast<size_t>(st.st_size), data);
  ::close(fd);
  if (!ok) return Fail(IoError("cannot read " + path));
  return data;
}

// Reads and checks one block frame; the CRC covers the whole payload.
Result<std::vector<StoredEvent>> ReadBlock(int fd, uint64_t offset, uint32_t len) {
  std::string frame;
  uint8_t type = 0;
  size_t next = 0, body = 0;
  if (!ReadAt(fd, offset, kFrameHeader + len, frame)) {
    return Fail(ErrorCode::kIo, "log store: short block");
  }
  auto payload = ReadFrame(frame, 0, type, next);
  if (!payload || type != kBlockFrame) return Fail(ErrorCode::kIo, "log store: corrupt block");
  auto summary = DecodeSummary(*payload, body);
  if (!summary) return Fail(summary.error());
  return DecodeBlockEvents(*payload, body, *summary);
}

using FoundBlock = std::optional<std::pair<uint32_t, BlockSummary>>;

// The block frame at `pos` of a whole segment held in memory, CRC checked.
FoundBlock SummaryFromBuffer(std::string_view data, uint64_t pos) {
  uint8_t type = 0;
  size_t next = 0, body = 0;
  auto payload = ReadFrame(data, pos, type, next);
  if (!payload || type != kBlockFrame) return std::nullopt;
  auto summary = DecodeSummary(*payload, body);
  if (!summary) return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(payload->size()), std::move(*summary));
}

// The block frame at `pos` of a sealed segment, reading only its header and
// summary (a summary is far smaller than 64 KiB unless a block has very many
// groups or streams; then the whole frame is read).
FoundBlock SummaryFromFile(int fd, uint64_t pos, uint64_t size) {
  std::string head;
  if (size - pos < kFrameHeader || !ReadAt(fd, pos, kFrameHeader, head)) return std::nullopt;
  uint32_t len;
  std::memcpy(&len, head.data(), 4);
  if (static_cast<uint8_t>(head[8]) != kBlockFrame || len > kMaxFrame ||
      len > size - pos - kFrameHeader) {
    return std::nullopt;
  }
  std::string payload;
  size_t body = 0;
  for (size_t want : {std::min<size_t>(len, 64 << 10), size_t{len}}) {
    if (!ReadAt(fd, pos + kFrameHeader, want, payload)) return std::nullopt;
    if (auto summary = DecodeSummary(payload, body))
      return std::make_pair(len, std::move(*summary));
    if (want == len) break;
  }
  return std::nullopt;
}

bool Overlaps(const BlockSummary& s, const ScanFilter& f) {
  if (f.range.start && s.max_ts < *f.range.start) return false;
  if (f.range.end && s.min_ts >= *f.range.end) return false;
  if (f.min_ingest && s.max_ingest < *f.min_ingest) return false;
  auto any_of = [](const std::vector<std::string>& want, const std::vector<std::string>& have) {
    if (want.empty()) return true;
    return std::any_of(want.begin(), want.end(), [&](const std::string& w) {
      return std::binary_search(have.begin(), have.end(), w);
    });
  };
  return any_of(f.groups, s.groups) && any_of(f.streams, s.streams);
}

bool Matches(const StoredEvent& e, const ScanFilter& f) {
  if (!f.range.Contains(e.timestamp)) return false;
  if (f.min_ingest && e.ingestion_time < *f.min_ingest) return false;
  if (!f.groups.empty() && std::find(f.groups.begin(), f.groups.end(), e.group) == f.groups.end())
    return false;
  return f.streams.empty() ||
         std::find(f.streams.begin(), f.streams.end(), e.stream) != f.streams.end();
}

}  // namespace

LogStore::LogStore(std::string dir, Clock& clock, StoreOptions options)
    : dir_(std::move(dir)), clock_(clock), options_(options) {}

LogStore::~LogStore() {
  if (seg_fd_ >= 0) ::close(seg_fd_);
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

Result<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir, Clock& clock,
                                                 StoreOptions options) {
  std::error_code ec;
  if (options.read_only) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return Fail(ErrorCode::kNotFound,
                  "no log store at " + dir + "; fill one with `firewatch logs import` or `serve`");
    }
  } else if (std::filesystem::create_directories(dir, ec); ec) {
    return Fail(ErrorCode::kIo, "log store: cannot create " + dir + ": " + ec.message());
  }
  std::unique_ptr<LogStore> s(new LogStore(dir, clock, options));
  if (auto r = s->LoadSegments(); !r) return Fail(r.error());
  if (auto r = s->ReplayWal(); !r) return Fail(r.error());
  if (options.read_only) return s;
  if (auto r = s->OpenActiveSegment(); !r) return Fail(r.error());
  if (auto r = s->RetainLocked(); !r) return Fail(r.error());
  return s;
}

Result<void> LogStore::LoadSegments() {
  const std::vector<uint32_t> numbers = ListSegments(dir_);
  for (size_t i = 0; i < numbers.size(); ++i) {
    auto seg = std::make_shared<Segment>();
    seg->number = numbers[i];
    seg->path = SegmentPath(dir_, numbers[i]);
    if (auto r = LoadSegment(*seg, i + 1 == numbers.size()); !r) return r;
    for (const auto& b : seg->blocks) sealed_seq_ = std::max(sealed_seq_, b->summary.max_seq);
    open_stats_.blocks += seg->blocks.size();
    segments_.push_back(std::move(seg));
  }
  open_stats_.segments = segments_.size();
  next_seq_ = sealed_seq_ + 1;
  return {};
}

// Reads every block summary of a segment. The active (last) segment is read
// whole with every CRC checked, since only its tail can be torn: it is cut
// back, and the WAL still holds that block's events. Of a sealed segment only
// frame headers and summaries are read (ReadBlock checks CRCs when a query
// reads the block), so opening a large store reads a small part of it. A bad
// frame in a sealed segment is corruption: the open fails naming it.
Result<void> LogStore::LoadSegment(Segment& seg, bool last) {
  const int fd = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(IoError("cannot open " + seg.path));
  struct stat st {};
  ::fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t pos = 0;
  std::string whole;
  if (last && !ReadAt(fd, 0, size, whole)) {
    ::close(fd);
    return Fail(IoError("cannot read " + seg.path));
  }
  while (pos < size) {
    auto found = last ? SummaryFromBuffer(whole, pos) : SummaryFromFile(fd, pos, size);
    if (!found) break;
    auto ref = std::make_shared<BlockRef>();
    ref->offset = pos;
    ref->len = found->first;
    ref->summary = std::move(found->second);
    seg.blocks.push_back(std::move(ref));
    pos += kFrameHeader + found->first;
  }
  ::close(fd);
  seg.bytes = pos;
  if (pos < size) {
    if (!last) {
      return Fail(ErrorCode::kIo, "log store: corrupt segment " + seg.path + " at byte " +
                                      std::to_string(pos) +
                                      "; move the file away to open the rest");
    }
    open_stats_.segment_torn_tail = true;
    if (!options_.read_only && ::truncate(seg.path.c_str(), static_cast<off_t>(pos)) != 0) {
      return Fail(IoError("cannot repair " + seg.path));
    }
  }
  return {};
}

// Replays the batches the blocks do not hold into the unsealed tail, cuts a
// torn tail, and leaves the WAL open for appends.
Result<void> LogStore::ReplayWal() {
  const std::string path = dir_ + "/wal";
  if (options_.read_only) {
    if (::access(path.c_str(), F_OK) != 0) return {};
  } else {
    wal_fd_ = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (wal_fd_ < 0) return Fail(IoError("cannot open " + path));
    if (auto r = SyncDir(dir_); !r) return r;
  }
  auto data = ReadWhole(path);
  if (!data) return Fail(data.error());
  size_t pos = 0;
  while (pos < data->size()) {
    uint8_t type = 0;
    size_t next = 0;
    auto payload = ReadFrame(*data, pos, type, next);
    if (!payload || type != kBatchFrame) break;
    uint64_t seq = 0;
    auto events = DecodeBatch(*payload, seq);
    if (!events) break;
    pos = next;
    next_seq_ = std::max(next_seq_, seq + 1);
    if (seq <= sealed_seq_) continue;  // sealed just before a crash emptied the WAL
    ++open_stats_.wal_batches;
    open_stats_.wal_events += events->size();
    for (StoredEvent& e : *events) AddPending(std::move(e));
    pending_summary_.max_seq = seq;
  }
  if (pos < data->size()) {
    open_stats_.wal_torn_tail = true;
    if (!options_.read_only &&
        (::ftruncate(wal_fd_, static_cast<off_t>(pos)) != 0 || ::fdatasync(wal_fd_) != 0)) {
      return Fail(IoError("cannot repair " + path));
    }
  }
  wal_bytes_ = pos;
  return {};
}

Result<void> LogStore::OpenActiveSegment() {
  if (seg_fd_ >= 0) ::close(seg_fd_);
  seg_fd_ = -1;
  const bool reuse = !segments_.empty() && segments_.back()->bytes < options_.segment_bytes;
  if (!reuse) {
    auto seg = std::make_shared<Segment>();
    seg->number = segments_.empty() ? 1 : segments_.back()->number + 1;
    seg->path = SegmentPath(dir_, seg->number);
    segments_.push_back(std::move(seg));
  }
  const std::string& path = segments_.back()->path;
  seg_fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (seg_fd_ < 0) return Fail(IoError("cannot open " + path));
  if (!reuse) return SyncDir(dir_);  // the new file's name must survive a crash
  return {};
}

void LogStore::AddPending(StoredEvent e) {
  AddToSummary(pending_summary_, e, ToLogEvent(e));
  pending_.push_back(std::move(e));
}

Result<void> LogStore::Append(std::vector<StoredEvent> events) {
  if (events.empty()) return {};
  if (options_.read_only) return Fail(ErrorCode::kInternal, "log store opened read-only");
  size_t bytes = 0;
  for (const StoredEvent& e : events) bytes += e.message.size();
  std::lock_guard lock(mu_);
  const uint64_t seq = next_seq_++;
  // A batch that fills a block by itself (a bulk import) becomes one directly:
  // the block's fsync makes it durable, and the WAL would only double the
  // bytes written.
  const bool direct =
      pending_.empty() && (events.size() >= options_.block_events || bytes >= options_.block_bytes);
  if (!direct) {
    std::string frame;
    AppendFrame(frame, kBatchFrame, EncodeBatch(seq, events));
    if (auto r = WriteDurably(wal_fd_, frame, dir_ + "/wal", wal_bytes_); !r) return r;
    wal_bytes_ += frame.size();
  }
  for (StoredEvent& e : events) AddPending(std::move(e));
  pending_summary_.max_seq = seq;
  if (direct) {
    auto r = SealLocked();
    if (!r) {  // not acknowledged, and in no file: forget it
      pending_.clear();
      pending_summary_ = BlockSummary{};
    }
    return r;
  }
  if (pending_.size() >= options_.block_events ||
      pending_summary_.raw_bytes >= options_.block_bytes) {
    // The batch is durable (in the WAL) and shown: it is acknowledged even
    // when the block cannot be written now (a full disk); the seal is
    // retried with the next batch, and the WAL keeps the events meanwhile.
    (void)SealLocked();
  }
  return {};
}

Result<void> LogStore::Seal() {
  std::lock_guard lock(mu_);
  return SealLocked();
}

// Block first, durably; only then may the WAL forget the events.
Result<void> LogStore::SealLocked() {
  if (pending_.empty() || options_.read_only) return {};
  auto payload = EncodeBlock(pending_, pending_summary_, options_.zstd_level);
  if (!payload) return Fail(payload.error());
  auto ref = std::make_shared<BlockRef>();
  size_t body = 0;
  auto summary = DecodeSummary(*payload, body);
  if (!summary) return Fail(summary.error());
  ref->summary = std::move(*summary);
  ref->len = static_cast<uint32_t>(payload->size());
  std::string frame;
  AppendFrame(frame, kBlockFrame, *payload);
  if (segments_.back()->bytes >= options_.segment_bytes) {
    if (auto r = OpenActiveSegment(); !r) return r;
    if (auto r = RetainLocked(); !r) return Fail(r.error());
  }
  // Copy-on-write: scans may hold the current segment object.
  auto seg = std::make_shared<Segment>(*segments_.back());
  ref->offset = seg->bytes;
  if (auto r = WriteDurably(seg_fd_, frame, seg->path, seg->bytes); !r) return r;
  // The block is durable: the WAL may forget its batches. If it cannot be
  // emptied now (EIO), the batches stay in it and replay skips them by
  // sequence number, as after a crash right here.
  if (wal_bytes_ > 0 && fileio::CutBack(wal_fd_, 0, dir_ + "/wal")) wal_bytes_ = 0;
  seg->bytes += frame.size();
  sealed_seq_ = ref->summary.max_seq;
  seg->blocks.push_back(std::move(ref));
  segments_.back() = std::move(seg);
  pending_.clear();
  pending_summary_ = BlockSummary{};
  return {};
}

Result<RetentionStats> LogStore::ApplyRetention() {
  std::lock_guard lock(mu_);
  return RetainLocked();
}

Result<RetentionStats> LogStore::RetainLocked() {
  RetentionStats st;
  if (options_.read_only) return st;
  uint64_t total = wal_bytes_;
  for (const auto& s : segments_) total += s->bytes;
  const Timestamp cutoff = clock_.Now() - options_.retention_ms;
  while (segments_.size() > 1) {
    const Segment& oldest = *segments_.front();
    Timestamp newest_ingest = 0;
    for (const auto& b : oldest.blocks)
      newest_ingest = std::max(newest_ingest, b->summary.max_ingest);
    const bool too_old = options_.retention_ms > 0 && newest_ingest < cutoff;
    const bool too_big = options_.max_bytes > 0 && total > options_.max_bytes;
    if (!too_old && !too_big) break;
    if (::unlink(oldest.path.c_str()) != 0 && errno != ENOENT) {
      return Fail(IoError("cannot delete " + oldest.path));
    }
    ++st.segments_deleted;
    st.bytes_deleted += oldest.bytes;
    total -= oldest.bytes;
    segments_.erase(segments_.begin());
  }
  if (st.segments_deleted > 0) {
    if (auto r = SyncDir(dir_); !r) return Fail(r.error());
  }
  return st;
}

Result<void> LogStore::Scan(const ScanFilter& filter,
                            const std::function<bool(const LogEvent&)>& fn,
                            ScanStats* stats) const {
  std::vector<std::shared_ptr<Segment>> segments;
  std::vector<StoredEvent> pending;
  {
    std::lock_guard lock(mu_);
    segments = segments_;
    pending = pending_;
  }
  ScanStats local;
  ScanStats& st = stats ? *stats : local;
  for (const auto& seg : segments) {
    const int fd = ::open(seg->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) continue;  // deleted by retention since
    if (fd < 0) return Fail(IoError("cannot open " + seg->path));
    for (const auto& b : seg->blocks) {
      ++st.blocks_total;
      if (!Overlaps(b->summary, filter)) continue;
      ++st.blocks_read;
      st.bytes_read += b->len;
      auto events = ReadBlock(fd, b->offset, b->len);
      if (!events) {
        ::close(fd);
        return Fail(
            events.error().WithContext(seg->path + " at byte " + std::to_string(b->offset)));
      }
      st.events_read += static_cast<int64_t>(events->size());
      for (const StoredEvent& e : *events) {
        if (Matches(e, filter) && !fn(ToLogEvent(e))) {
          ::close(fd);
          return {};
        }
      }
    }
    ::close(fd);
  }
  st.events_read += static_cast<int64_t>(pending.size());
  for (const StoredEvent& e : pending) {
    if (Matches(e, filter) && !fn(ToLogEvent(e))) return {};
  }
  return {};
}

StoreStats LogStore::stats() const {
  std::lock_guard lock(mu_);
  StoreStats st;
  st.bytes = wal_bytes_;
  for (const auto& s : segments_) {
    st.bytes += s->bytes;
    st.blocks += s->blocks.size();
    for (const auto& b : s->blocks) st.events += b->summary.count;
  }
  st.segments = segments_.size();
  st.unsealed_events = pending_.size();
  st.events += pending_.size();
  return st;
}

}  // namespace fw::logs::store
