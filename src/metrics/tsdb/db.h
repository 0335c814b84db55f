#pragma once
// Db: the durable metrics store — the in-memory head plus its write-ahead
// log in a data directory. Open() replays the log into a fresh head, so a
// restart (or a kill -9) loses nothing that Append() acknowledged.
//
// Append() takes a batch: each sample goes to the head (which may reject
// it: out of order, duplicate), the accepted ones are logged with any series
// first seen since Open(), and the log is fsynced before Append() returns.
// Returning is the acknowledgement. Thread-safe: appends are serialised;
// queries read the head concurrently (see head.h).
//
// On-disk blocks, retention and compaction are not here yet: the log grows
// for as long as the data directory is used.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "metrics/tsdb/head.h"
#include "metrics/tsdb/wal.h"

namespace fw::metrics::tsdb {

struct LabeledSample {
  LabelSet labels;
  Sample sample;
};

struct AppendStats {
  size_t accepted = 0;
  size_t rejected = 0;  // out of order or duplicate; the first reason is kept
  std::string first_rejection;
};

struct OpenStats {
  size_t series = 0;
  size_t samples = 0;
  bool torn_tail = false;
};

class Db {
 public:
  // Creates `dir` (and dir/wal) if needed and replays the log.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, WalOptions wal = {});

  // REQUIRES: samples of one series in time order within the batch.
  Result<AppendStats> Append(const std::vector<LabeledSample>& batch);

  const Head& head() const { return *head_; }
  const OpenStats& open_stats() const { return open_stats_; }

 private:
  Db() = default;

  std::unique_ptr<Head> head_;
  std::unique_ptr<Wal> wal_;
  std::mutex append_mu_;
  std::unordered_set<SeriesRef> logged_;  // series already declared in this log generation
  OpenStats open_stats_;
};

}  // namespace fw::metrics::tsdb
