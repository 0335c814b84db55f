#pragma once
// Db: the durable metrics store in a data directory (docs/storage.md):
//   DATA/wal/        write-ahead log of the in-memory head (wal.h)
//   DATA/blocks/ID/  immutable blocks of older data (block.h)
//
// Append() takes a batch: the samples the head will accept (not out of
// order, duplicate, or older than the head's start) are logged with any
// series first seen in this log generation and the log is fsynced; only
// then does the head show them. Returning is the acknowledgement. A batch
// whose log write or sync fails (ENOSPC, EIO) is cut back out of the log
// and never reaches the head: the error (kIo, HTTP 503) is the whole story.
//
// Head cut: once the head spans more than 1.5 block ranges, its oldest
// range [a, a + range) (a aligned to the range, as in Prometheus) is written
// to a block; then, under the state lock, the block joins the query view and
// the head drops data before a + range; then the WAL is rotated and
// checkpointed (the floor a + range, live series, their samples as chunks)
// and the segments the checkpoint replaces are deleted. A kill -9 anywhere
// in between loses and duplicates nothing: a block's meta.json records the
// head floor it covers and replay skips samples older than the highest one.
//
// Maintain() (run by Append when due, or directly) cuts the head, merges
// adjacent blocks into ranges 3x larger (up to 10% of retention, at most
// 31 d), and deletes blocks past retention (by age, counted from the
// Clock's now or the newest sample if older, and oldest-first past
// retention_bytes). A merged block replaces its sources only once durable;
// Open() deletes sources a crash left behind, and torn .tmp directories.
// Import() writes historical data straight to blocks.
//
// Thread safety: every method may be called concurrently. Writers (Append,
// Import, Maintain) are serialised; readers (Select, label queries) take a
// consistent snapshot of blocks + head under a shared lock and decode
// without it. Writers hold the write lock during block writes, so a head
// cut or compaction delays appends for its duration.

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "metrics/tsdb/block.h"
#include "metrics/tsdb/head.h"
#include "metrics/tsdb/wal.h"

namespace fw::metrics::tsdb {

struct LabeledSample {
  LabelSet labels;
  Sample sample;
};

struct AppendStats {
  size_t accepted = 0;
  size_t rejected = 0;  // out of order, duplicate or too old; the first reason is kept
  std::string first_rejection;
};

struct OpenStats {
  size_t series = 0;
  size_t samples = 0;
  bool torn_tail = false;
  size_t skipped_records = 0;  // damaged WAL records skipped, intact ones after them kept
  std::string damaged_at;      // the first of them
  size_t blocks = 0;
  size_t removed_dirs = 0;  // torn temporaries and compacted sources deleted
};

struct DbOptions {
  WalOptions wal;
  int64_t block_range_ms = 2 * 3600 * 1000;
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;  // 0: keep blocks forever
  uint64_t retention_bytes = 0;                    // 0: no size limit on blocks
  Clock* clock = nullptr;                          // for retention; a RealClock if null
  int64_t maintain_interval_ms = 60'000;           // how often Append runs Maintain
  // For readers beside a running server (the CLI): nothing on disk is
  // changed or cleaned up, and Append, Import and Maintain fail.
  bool read_only = false;
  // Tests only: called at named steps of a head cut or compaction
  // ("cut:block_written", "cut:head_truncated", "cut:checkpoint_unrenamed",
  // "cut:checkpointed",
  // "compact:merged_written") so a test can kill the process exactly there.
  std::function<void(std::string_view step)> crash_point;
  // Called with every batch Append accepted any of, once it is durable, on
  // the appending thread and under the write lock: keep it short (queue the
  // batch). remote_write forwards through it.
  std::function<void(const std::vector<LabeledSample>& batch)> on_appended;
};

struct DbStats {
  size_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t head_cuts = 0;
  uint64_t compactions = 0;
  uint64_t blocks_deleted = 0;  // by retention
  std::string last_maintenance_error;
};

// Merges two time-ordered sample lists; a timestamp in both is kept once
// (from `a`).
std::vector<Sample> MergeSamples(std::vector<Sample> a, std::vector<Sample> b);

class Db {
 public:
  // Creates `dir` if needed, opens its blocks and replays the log.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, DbOptions options = {});
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, WalOptions wal);
  ~Db();

  // REQUIRES: samples of one series in time order within the batch.
  Result<AppendStats> Append(const std::vector<LabeledSample>& batch);
  // Historical data (a recorded file) goes straight into level-1 blocks, one
  // per block range, bypassing head and WAL (as promtool's create-blocks).
  // Data overlapping existing blocks or the head is kept: queries and
  // compaction merge series, one sample per timestamp. Unsorted samples are
  // sorted; a second value at one timestamp is rejected.
  Result<AppendStats> Import(std::vector<SeriesSamples> series);
  // Head cut, compaction, retention (see above); also run by Append when due.
  Result<void> Maintain();

  // Series matching all matchers with their samples in [mint, maxt] from
  // blocks and head, equal label sets merged in time order, a timestamp
  // present in several places once; sorted by labels.
  Result<std::vector<SeriesSamples>> Select(const std::vector<LabelMatcher>& matchers,
                                            Timestamp mint, Timestamp maxt) const;
  // The label sets Select would return, sorted, without decoding samples
  // (a series whose chunks straddle the range may be included).
  Result<std::vector<LabelSet>> SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                             Timestamp mint, Timestamp maxt) const;
  // Sorted label names and values over blocks and head.
  std::vector<std::string> LabelNames() const;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<LabelMatcher>& matchers) const;

  const Head& head() const { return *head_; }
  std::vector<std::shared_ptr<Block>> blocks() const;
  const OpenStats& open_stats() const { return open_stats_; }
  DbStats Stats() const;
  // The newest sample time in blocks or head; INT64_MIN when empty.
  Timestamp MaxTime() const;
  const DbOptions& options() const { return options_; }

 private:
  explicit Db(std::string dir, DbOptions options);
  Result<void> CheckWritable() const;
  Result<void> OpenBlocks();
  Result<void> ReplayWal();
  Result<AppendStats> AppendLocked(const std::vector<LabeledSample>& batch);
  Result<size_t> ImportRange(const std::vector<SeriesSamples>& series, Timestamp a, Timestamp b);
  Result<void> MaintainLocked();
  Result<bool> CutHead();
  Result<void> Checkpoint(uint32_t upto, Timestamp floor);
  Result<bool> CompactOnce();
  Result<void> ApplyRetention();
  Result<void> RemoveBlockDir(const std::string& dir);
  Result<std::shared_ptr<Block>> WriteMerged(BlockMeta meta,
                                             const std::vector<std::shared_ptr<Block>>& group);
  Result<std::shared_ptr<Block>> WriteBlock(BlockMeta meta,
                                            const std::vector<const SeriesSamples*>& series);
  std::string NewBlockId();
  void CrashPoint(std::string_view step) {
    if (options_.crash_point) options_.crash_point(step);
  }
  std::string blocks_dir() const { return dir_ + "/blocks"; }

  const std::string dir_;
  DbOptions options_;
  std::unique_ptr<Clock> own_clock_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<Wal> wal_;
  std::mutex write_mu_;                   // serialises Append, Import, Maintain
  std::unordered_set<SeriesRef> logged_;  // series declared in this log generation
  Timestamp last_maintain_ = INT64_MIN;
  mutable std::shared_mutex state_mu_;          // guards blocks_ and stats_; see header
  std::vector<std::shared_ptr<Block>> blocks_;  // sorted by mint
  DbStats stats_;
  OpenStats open_stats_;
  uint64_t id_counter_ = 0;
};

}  // namespace fw::metrics::tsdb
