#include "logs/ingest/file_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fw::logs::ingest {
namespace {

constexpr std::string_view kStateMagic = "firewatch-tail-position v1";

Error IoError(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Result<void> SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(IoError("cannot open directory " + dir));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Fail(IoError("cannot sync directory " + dir));
  return {};
}

bool SameFile(const struct stat& st, const TailPosition& p) {
  return static_cast<uint64_t>(st.st_dev) == p.dev && static_cast<uint64_t>(st.st_ino) == p.ino;
}

}  // namespace

Result<std::optional<TailPosition>> LoadTailPosition(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::optional<TailPosition>();
  std::ifstream in(path);
  if (!in) return Fail(IoError("cannot read tail position " + path));
  std::string magic;
  std::getline(in, magic);
  TailPosition p;
  in >> p.dev >> p.ino >> p.offset >> p.batch_time >> p.pending_end >> p.pending_events;
  if (magic != kStateMagic || !in || p.offset < 0) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "tail position " + path + " is damaged; delete it to read the file again from its start");
  }
  return std::optional<TailPosition>(p);
}

Result<void> SaveTailPosition(const std::string& path, const TailPosition& p) {
  std::ostringstream text;
  text << kStateMagic << "\n"
       << p.dev << ' ' << p.ino << ' ' << p.offset << ' ' << p.batch_time << ' ' << p.pending_end
       << ' ' << p.pending_events << "\n";
  const std::string body = text.str();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(IoError("cannot write " + tmp));
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                  ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) return Fail(IoError("cannot write " + tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Fail(IoError("cannot replace " + path));
  return SyncDir(std::filesystem::path(path).parent_path().string());
}

FileTailer::FileTailer(store::LogStore& store, Clock& clock, FileTailOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  ResetIngester();
}

FileTailer::~FileTailer() {
  if (fd_ >= 0) ::close(fd_);
}

IngestCounts FileTailer::counts() const {
  IngestCounts c = done_;
  const IngestCounts& now = ingester_->counts();
  c.accepted += now.accepted;
  c.malformed += now.malformed;
  c.oversized += now.oversized;
  c.bytes += now.bytes;
  return c;
}

void FileTailer::ResetIngester() {
  if (ingester_) done_ = counts();
  LineIngestOptions o = options_.lines;
  o.batch_events = SIZE_MAX;  // a batch is what one read returned (StoreBatch)
  ingester_ = std::make_unique<LineIngester>(store_, batch_clock_, std::move(o));
  stored_events_ = 0;
}

Result<void> FileTailer::Save() { return SaveTailPosition(options_.state_path, pos_); }

Result<void> FileTailer::Start() {
  std::error_code ec;
  const auto dir = std::filesystem::path(options_.state_path).parent_path();
  if (std::filesystem::create_directories(dir, ec); ec) {
    return Fail(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }
  auto loaded = LoadTailPosition(options_.state_path);
  if (!loaded) return Fail(loaded.error());
  if (*loaded) pos_ = **loaded;
  if (auto r = SettlePending(); !r) return r;
  return Open();
}

// The batch named in the state file is in the store entirely or not at all.
Result<void> FileTailer::SettlePending() {
  if (pos_.pending_end < 0) return {};
  store::ScanFilter f;
  f.groups = {options_.lines.group};
  f.streams = {options_.lines.stream};
  f.min_ingest = pos_.batch_time;
  int64_t found = 0;
  auto r = store_.Scan(f, [&](const LogEvent& e) {
    found += e.ingestion_time == pos_.batch_time;
    return true;
  });
  if (!r) return r;
  if (found == pos_.pending_events) pos_.offset = pos_.pending_end;
  pos_.pending_end = -1;
  pos_.pending_events = 0;
  return Save();
}

Result<void> FileTailer::Open() {
  fd_ = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT) return {};  // not there yet: wait for it
    return Fail(IoError(options_.path + ": cannot open"));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Fail(IoError(options_.path + ": cannot stat"));
  if (pos_.ino != 0 && !SameFile(st, pos_) && pos_.offset > 0) {
    if (auto r = OpenRotatedAway(fd_); !r) return r;
  } else if (!SameFile(st, pos_)) {
    pos_ = TailPosition{static_cast<uint64_t>(st.st_dev),
                        static_cast<uint64_t>(st.st_ino),
                        0,
                        pos_.batch_time,
                        -1,
                        0};
    if (auto r = Save(); !r) return r;
  }
  if (::fstat(fd_, &st) != 0) return Fail(IoError(options_.path + ": cannot stat"));
  if (st.st_size < pos_.offset) {  // truncated while nothing followed it
    ++truncations_;
    pos_.offset = 0;
  }
  read_offset_ = pos_.offset;
  if (::lseek(fd_, read_offset_, SEEK_SET) < 0) return Fail(IoError(options_.path + ": seek"));
  ResetIngester();
  return {};
}

// The file at the path is not the one we were reading: if that one is still
// in the directory (renamed by rotation), finish it first.
Result<void> FileTailer::OpenRotatedAway(int new_fd) {
  const auto dir = std::filesystem::path(options_.path).parent_path();
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.empty() ? "." : dir.string(), ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !SameFile(st, pos_)) continue;
    const int old_fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (old_fd < 0) break;
    ::close(new_fd);
    fd_ = old_fd;
    return {};
  }
  // Gone: the new file is read from its start.
  struct stat st {};
  if (::fstat(new_fd, &st) != 0) return Fail(IoError(options_.path + ": cannot stat"));
  pos_ = TailPosition{static_cast<uint64_t>(st.st_dev),
                      static_cast<uint64_t>(st.st_ino),
                      0,
                      pos_.batch_time,
                      -1,
                      0};
  return Save();
}

Result<bool> FileTailer::Poll() {
  if (fd_ < 0) {
    if (auto r = Open(); !r) return Fail(r.error());
    if (fd_ < 0) return false;
  }
  auto any = ReadToEnd();
  if (!any) return any;
  struct stat at_path {
  }, open_file{};
  if (::stat(options_.path.c_str(), &at_path) != 0) return *any;  // renamed away, none new yet
  if (!SameFile(at_path, pos_)) {
    if (auto r = SwitchToPath(); !r) return Fail(r.error());
    return true;
  }
  if (::fstat(fd_, &open_file) != 0) return Fail(IoError(options_.path + ": cannot stat"));
  if (open_file.st_size < read_offset_) {  // copytruncate
    ++truncations_;
    ResetIngester();  // a partial line before the cut is lost with it
    read_offset_ = pos_.offset = 0;
    if (::lseek(fd_, 0, SEEK_SET) < 0) return Fail(IoError(options_.path + ": seek"));
    if (auto r = Save(); !r) return Fail(r.error());
    auto more = ReadToEnd();
    if (!more) return more;
    return true;
  }
  return *any;
}

// Rotation: what is left of the old file, its last line even without a
// newline, then the new file from its start.
Result<void> FileTailer::SwitchToPath() {
  if (auto more = ReadToEnd(); !more) return Fail(more.error());
  ingester_->EndLine();
  if (auto r = StoreBatch(read_offset_); !r) return r;
  ++rotations_;
  ::close(fd_);
  fd_ = -1;
  pos_.offset = 0;
  pos_.ino = 0;  // Open() takes the path's file from its start
  if (auto r = Open(); !r) return r;
  if (fd_ < 0) return {};
  auto more = ReadToEnd();
  if (!more) return Fail(more.error());
  return {};
}

Result<bool> FileTailer::ReadToEnd() {
  std::string buf(options_.read_bytes, '\0');
  bool any = false;
  while (true) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(IoError(options_.path + ": read error"));
    if (n == 0) return any;
    any = true;
    batch_clock_.Set(std::max(clock_.Now(), pos_.batch_time + 1));
    const std::string_view chunk(buf.data(), static_cast<size_t>(n));
    if (auto r = ingester_->Feed(chunk); !r) return Fail(r.error());
    const int64_t start = read_offset_;
    read_offset_ += n;
    const size_t nl = chunk.rfind('\n');
    if (nl == std::string_view::npos) continue;  // the line goes on
    if (auto r = StoreBatch(start + static_cast<int64_t>(nl) + 1); !r) return Fail(r.error());
  }
}

// Appends the complete lines taken so far, ending at file offset `end`, with
// the state file naming the batch while the append is in flight.
Result<void> FileTailer::StoreBatch(int64_t end) {
  const int64_t events = ingester_->counts().accepted - stored_events_;
  if (events > 0) {
    pos_.batch_time = batch_clock_.Now();
    pos_.pending_end = end;
    pos_.pending_events = events;
    if (auto r = Save(); !r) return r;
    if (auto r = ingester_->Flush(); !r) return r;
    stored_events_ += events;
  }
  pos_.offset = end;
  pos_.pending_end = -1;
  pos_.pending_events = 0;
  return Save();
}

}  // namespace fw::logs::ingest
