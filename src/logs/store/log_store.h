#pragma once
// The log store: a directory of append-only segment files of zstd-compressed
// blocks, and a write-ahead log for the newest events (format.h, and
// docs/logs.md "Store").
//
//   DIR/wal            CRC-framed batches not yet in a block
//   DIR/00000001.seg   CRC-framed blocks, each with a summary (time range,
//   DIR/00000002.seg   groups, streams, fields) read without decompressing
//
// Append() writes the batch to the WAL and fdatasyncs it before returning:
// an acknowledged batch survives kill -9. (A batch that fills a block by
// itself, as a bulk import's do, is sealed and fsynced as a block instead.) Appended events wait in
// memory (and in the WAL) until block_events or block_bytes of them have gathered; then they are
// sealed into a block at the end of the active segment, which is fdatasynced before the WAL is
// emptied. Every batch has a sequence number and every block records the newest one it holds, so a
// crash between the two steps replays nothing twice. Open() cuts a torn tail off the WAL and off
// the active segment and replays the WAL. A segment rotates at segment_bytes; retention deletes
// whole segments, oldest first, never the active one, at Open(), at each rotation and when asked. A
// segment's age is that of the newest ingestion time in it, so imported history is kept for the
// retention period after its import.
//
// Thread-safe: appends serialise on one mutex (fsync included); scans copy
// the block list and the unsealed events under it and read files without it,
// so a scan sees the store as of its start (a block retention deletes
// meanwhile is skipped).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "logs/event_source.h"
#include "logs/store/format.h"

namespace fw::logs::store {

struct StoreOptions {
  size_t block_events = 16'384;     // seal a block at this many events
  size_t block_bytes = 4 << 20;     // ... or at this many bytes of events
  size_t segment_bytes = 64 << 20;  // start a new segment past this size
  int64_t retention_ms = 0;         // delete segments ingested longer ago; 0 keeps all
  uint64_t max_bytes = 0;           // delete oldest segments above this total; 0: no cap
  int zstd_level = 3;
  // Reads only: no repair, no appends, nothing created. For a second process
  // (the CLI) reading a store a server is writing; a block being written
  // meanwhile is not seen.
  bool read_only = false;
};

struct OpenStats {
  size_t segments = 0, blocks = 0;
  size_t wal_batches = 0, wal_events = 0;  // replayed into the unsealed tail
  bool wal_torn_tail = false;              // the WAL ended in a partial record (cut)
  bool segment_torn_tail = false;          // the active segment did (cut)
};

// Which events a scan wants. Empty lists match every group / stream.
// min_ingest keeps events ingested at or after it (`logs tail --follow`,
// and a file tail checking whether its last batch was stored).
struct ScanFilter {
  TimeRange range;
  std::vector<std::string> groups, streams;
  std::optional<Timestamp> min_ingest;
};

struct ScanStats {
  int64_t blocks_total = 0, blocks_read = 0;
  int64_t bytes_read = 0;   // compressed block bytes read from disk
  int64_t events_read = 0;  // events decoded (before the filter)
};

struct StoreStats {
  size_t segments = 0, blocks = 0, unsealed_events = 0;
  uint64_t bytes = 0;  // segment files plus the WAL
  uint64_t events = 0;
};

struct RetentionStats {
  size_t segments_deleted = 0;
  uint64_t bytes_deleted = 0;
};

class LogStore {
 public:
  // Opens or creates the store in `dir`, repairing and replaying (see above).
  // REQUIRES: clock outlives the store; one LogStore per directory.
  static Result<std::unique_ptr<LogStore>> Open(const std::string& dir, Clock& clock,
                                                StoreOptions options = {});
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Makes `events` durable, then returns. Events keep their order.
  Result<void> Append(std::vector<StoredEvent> events);
  // Seals the unsealed events into a block now (end of an import, shutdown).
  Result<void> Seal();
  // Deletes segments by age and total size, as the options say.
  Result<RetentionStats> ApplyRetention();

  // Calls fn for each event matching `filter`, sealed blocks first (in
  // order), then the unsealed tail. Blocks whose summary cannot match are
  // not read. Stops early when fn returns false.
  Result<void> Scan(const ScanFilter& filter, const std::function<bool(const LogEvent&)>& fn,
                    ScanStats* stats = nullptr) const;

  const OpenStats& open_stats() const { return open_stats_; }
  StoreStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  struct BlockRef;
  struct Segment;
  LogStore(std::string dir, Clock& clock, StoreOptions options);
  Result<void> LoadSegments();
  Result<void> LoadSegment(Segment& seg, bool last);
  Result<void> ReplayWal();
  Result<void> OpenActiveSegment();
  Result<void> SealLocked();
  Result<RetentionStats> RetainLocked();
  void AddPending(StoredEvent e);

  std::string dir_;
  Clock& clock_;
  StoreOptions options_;
  OpenStats open_stats_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // oldest first; the last is active
  int seg_fd_ = -1;                                 // the active segment, for appends
  int wal_fd_ = -1;
  uint64_t wal_bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t sealed_seq_ = 0;  // the newest batch held by a block
  std::vector<StoredEvent> pending_;
  BlockSummary pending_summary_;
};

// The store as a query's event source, with the time range (and any group or
// stream list) pushed down to skip blocks.
class StoreEventSource final : public EventSource {
 public:
  // REQUIRES: store outlives this source.
  StoreEventSource(const LogStore& store, std::vector<std::string> groups = {},
                   std::vector<std::string> streams = {})
      : store_(store), groups_(std::move(groups)), streams_(std::move(streams)) {}
  Result<void> Scan(const TimeRange& range,
                    const std::function<bool(const LogEvent&)>& fn) override {
    ScanFilter f{range, groups_, streams_, std::nullopt};
    return store_.Scan(f, fn, &stats_);
  }
  const ScanStats& stats() const { return stats_; }

 private:
  const LogStore& store_;
  std::vector<std::string> groups_, streams_;
  ScanStats stats_;
};

}  // namespace fw::logs::store
