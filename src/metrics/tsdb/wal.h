#pragma once
// The write-ahead log: what makes an acknowledged sample survive kill -9.
//
// A directory of numbered segment files (00000001, 00000002, ...), each a
// sequence of records  [u32 payload length][u32 CRC-32C of type+payload]
// [u8 type][payload], little-endian. Appends go to the newest segment, which
// rotates at `segment_bytes`. Sync() fsyncs it (and the directory after a
// rotation); a writer acknowledges samples to its caller only after Sync()
// returned, so everything acknowledged is on disk.
//
// Checkpoints bound the log (see db.h for when): Rotate() starts a new
// segment, then Checkpoint(K, fill) writes what the head still needs from
// segments <= K (a floor, the live series, their samples as chunks) into
// checkpoint.K.tmp/, fsyncs it, renames it to checkpoint.K/ and only then
// deletes segments <= K and older checkpoints. A crash at any step leaves
// either the old segments or the complete checkpoint; Open() finishes the
// cleanup (torn .tmp directories, segments a checkpoint covers).
//
// Replay reads the newest checkpoint, then every segment after it in order,
// and hands intact records to a WalHandler. A crash can leave the last record half-written: Open()
// cuts that segment back to the last good record so appends never follow garbage. A damaged
// record with intact ones after it (written by a version that appended after a failed write) is
// skipped and counted, and replay goes on with the next intact record; damage in a checkpoint
// is corruption.
//
// Failed writes (a full disk: ENOSPC, short writes; EIO) never leave a torn
// record in front of later ones. Everything written since the last Sync()
// is unacknowledged, so when a write or a sync fails the segment is cut back
// to its size at that Sync() (ftruncate + fdatasync) before the error is
// returned. If even that fails, the log fails closed: every later append
// and sync fails (kIo) until a retry of the cut-back succeeds. A segment
// is rotated only at a synced boundary, so one failed batch never spans
// two files. All file writes go through common/file_io.h (fault injection).
//
// Not thread-safe: one writer, serialised by the caller (the head's append
// path).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/tsdb/chunk.h"

namespace fw::metrics::tsdb {

struct WalSeries {
  uint64_t ref;  // the head's id for the series, stable across replay
  LabelSet labels;
};

struct WalSample {
  uint64_t ref;
  Timestamp t;
  double v;  // bit-exact, staleness markers included
};

class WalHandler {
 public:
  virtual ~WalHandler() = default;
  virtual void OnSeries(const WalSeries& s) = 0;
  virtual void OnSamples(std::span<const WalSample> samples) = 0;
  // A checkpoint's floor: samples before it live in blocks, not the head.
  // Comes before the checkpoint's series and samples.
  virtual void OnFloor(Timestamp floor) { (void)floor; }
};

struct WalOptions {
  size_t segment_bytes = 128 << 20;
};

struct WalReplayStats {
  size_t segments = 0;
  size_t records = 0;
  size_t series = 0;
  size_t samples = 0;
  bool torn_tail = false;    // the newest segment ended in a partial record
  size_t skipped = 0;        // damaged records skipped (intact ones followed)
  size_t skipped_bytes = 0;  // their bytes
  std::string damaged_at;    // the first of them: file and byte offset
  std::string corruption;    // damage in the checkpoint: replay stopped there
  uint32_t checkpoint = 0;   // the segment the replayed checkpoint covers; 0 if none
};

class Wal {
 public:
  // Opens (creating if needed) the log in `dir`, repairing a torn tail.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, WalOptions options = {});
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  Result<void> LogSeries(std::span<const WalSeries> series);
  Result<void> LogSamples(std::span<const WalSample> samples);
  // The samples of one chunk (a checkpoint's compact form of samples).
  Result<void> LogChunk(uint64_t ref, const XorChunk& chunk);
  Result<void> LogFloor(Timestamp floor);
  // Makes everything logged so far durable.
  Result<void> Sync();

  // Syncs and closes the current segment and starts the next; returns the
  // number of the closed one.
  Result<uint32_t> Rotate();
  // Writes checkpoint `upto` (see above): `fill` logs its records into a
  // fresh log. REQUIRES: upto < current_segment().
  Result<void> Checkpoint(uint32_t upto, const std::function<Result<void>(Wal&)>& fill);

  // Reads the log in `dir` without modifying it.
  static Result<WalReplayStats> Replay(const std::string& dir, WalHandler& handler);

  uint32_t current_segment() const { return segment_; }

 private:
  Wal(std::string dir, WalOptions options);
  Result<void> Append(uint8_t type, const std::string& payload);
  Result<void> OpenSegment(uint32_t n, bool create);
  Result<void> RemoveCovered(uint32_t upto);
  // Cuts the segment back to synced_size_; on failure the log is broken.
  void Undo();
  // REQUIRES: broken_. Retries the cut-back.
  Result<void> Repair();

  std::string dir_;
  WalOptions options_;
  uint32_t segment_ = 0;
  int fd_ = -1;
  size_t segment_size_ = 0;
  size_t synced_size_ = 0;  // the segment's size at the last successful Sync()
  bool broken_ = false;     // a failed write could not be cut back yet
  bool dir_dirty_ = false;  // a segment was created since the last Sync
};

}  // namespace fw::metrics::tsdb
