#pragma once
// Follows a log file into the store the way `tail -F` follows it, for
// `firewatch logs ingest --follow FILE`:
//  - rotation (the file renamed away and a new one created at the path): the
//    old file is read to its end, its last unterminated line taken as a line,
//    then the new file is read from its start;
//  - truncation in place (copytruncate: the path's file got shorter than the
//    position): reading restarts at byte 0 and a partial line is dropped;
//  - a missing file is waited for.
// Lines become events as LineIngester makes them (line_ingest.h): oversized
// and malformed lines are counted and kept.
//
// Exactly once across restarts and kill -9. The position (device, inode,
// byte offset after the last stored line) lives in a small state file,
// replaced atomically (write, fsync, rename, fsync of the directory). Each
// batch of lines is appended with one ingestion time of its own, and the
// state file names that batch (its end offset, time and event count) before
// the append and the new position after it. A restart that finds a named
// batch asks the store whether events of that ingestion time exist in this
// group and stream: the batch is atomic in the store, so either all are there
// (resume after it) or none (read it again). When the file was rotated while
// nothing followed it, the old file is found by its inode in the same
// directory and finished first.
//
// Not thread-safe; one FileTailer per file.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "logs/ingest/line_ingest.h"
#include "logs/store/log_store.h"

namespace fw::logs::ingest {

struct FileTailOptions {
  std::string path;             // the file to follow
  std::string state_path;       // its position file (created as needed)
  LineIngestOptions lines;      // group, stream, limits
  size_t read_bytes = 1 << 20;  // bytes read (and at most one batch) per step
};

// Where a file was left; the state file's content.
struct TailPosition {
  uint64_t dev = 0, ino = 0;
  int64_t offset = 0;  // just past the last stored line
  // The newest batch's ingestion time (later batches get later ones).
  Timestamp batch_time = 0;
  // When pending_end >= 0, that batch was being appended: its end offset and
  // event count.
  int64_t pending_end = -1;
  int64_t pending_events = 0;
};

Result<std::optional<TailPosition>> LoadTailPosition(const std::string& path);
Result<void> SaveTailPosition(const std::string& path, const TailPosition& pos);

class FileTailer {
 public:
  // REQUIRES: store and clock outlive the tailer.
  FileTailer(store::LogStore& store, Clock& clock, FileTailOptions options);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  // Reads the state file and settles an interrupted batch.
  Result<void> Start();
  // Stores every complete line written since the last call, following
  // rotation and truncation. Returns whether anything was read.
  Result<bool> Poll();
  IngestCounts counts() const;
  int64_t rotations() const { return rotations_; }
  int64_t truncations() const { return truncations_; }

 private:
  Result<void> Open();
  Result<bool> ReadToEnd();
  Result<void> StoreBatch(int64_t end);
  Result<void> SettlePending();
  Result<void> OpenRotatedAway(int new_fd);
  Result<void> SwitchToPath();
  void ResetIngester();
  Result<void> Save();

  store::LogStore& store_;
  Clock& clock_;
  FileTailOptions options_;
  ManualClock batch_clock_;  // the ingestion time of the batch being read
  std::unique_ptr<LineIngester> ingester_;
  IngestCounts done_;          // of the ingesters replaced so far
  int64_t stored_events_ = 0;  // of the current ingester, appended
  int fd_ = -1;
  TailPosition pos_;
  int64_t read_offset_ = 0;  // bytes of the open file fed to the ingester
  int64_t rotations_ = 0, truncations_ = 0;
};

}  // namespace fw::logs::ingest
