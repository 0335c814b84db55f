#pragma once
// The in-memory head of the time-series store: an Index of series plus, per
// series, a list of compressed chunks (closed ones are immutable, the last
// one is open for appends).
//
// Writing: Append(labels, t, v) resolves or creates the series and returns its
// ref; callers that cache refs (the scrape loop) use Append(ref, t, v).
// Samples of a series must arrive in time order, as in Prometheus:
//   t <  last t                  -> kInvalidArgument, counted out_of_order_total
//   t == last t, other bits      -> kInvalidArgument, counted duplicate_total
//   t == last t, identical bits  -> accepted and ignored (a re-sent sample)
//   t <  MinValidTime()          -> kInvalidArgument, counted out_of_order_total
//                                   (that time range is in on-disk blocks now)
// Values are stored bit for bit, so staleness markers (StaleNaN) survive.
//
// Reading (what the PromQL engine uses):
//   Result<std::vector<Series>> r = head.Select(matchers, mint, maxt);
//   for (Series& s : *r) {                  // sorted by ref (creation order)
//     while (s.samples.Next()) { Sample x = s.samples.At(); ... }  // or Seek(t)
//   }
// A Series owns a snapshot of its chunks: immutable closed chunks are
// shared, the open one is copied (sealed). It stays valid and consistent
// however the head changes afterwards, and needs no lock while iterated.
//
// Thread safety: every method may be called concurrently. An index lock
// (shared_mutex) guards the Index and the series table: shared for appends
// and Select, exclusive to create a series or Truncate. Each series has its own
// mutex guarding its chunks, held only for one append or one snapshot, so a
// scrape thread appending and HTTP threads querying rarely contend.
//
// Truncation: once the Db has written [.., t) to a block, Truncate(t) raises
// MinValidTime() to t, hides older samples from Select, frees the chunks that
// end before t and removes series left without samples (their refs are never
// reused; appending to one by ref then fails with kNotFound).
//
// Durability is the Db's business (db.h): it logs what Append accepted.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/tsdb/chunk.h"
#include "metrics/tsdb/index.h"

namespace fw::metrics::tsdb {

// Iterates one series' samples within [mint, maxt] in time order, across its
// chunks. Same contract as XorIterator: Next(), Seek(t) (forward only, no-op
// if the current sample is already >= t), At().
class SeriesIterator {
 public:
  SeriesIterator() = default;
  // REQUIRES: chunks sorted by time, non-empty, not overlapping.
  SeriesIterator(std::vector<std::shared_ptr<const SealedChunk>> chunks, Timestamp mint,
                 Timestamp maxt);

  bool Next();
  bool Seek(Timestamp t);
  // REQUIRES: the last Next()/Seek() returned true.
  Sample At() const { return it_->At(); }

 private:
  bool Check();   // applies maxt to the current sample
  bool Finish();  // marks the iterator exhausted; returns false

  std::vector<std::shared_ptr<const SealedChunk>> chunks_;
  size_t cur_ = 0;                 // chunk that it_ walks
  std::optional<XorIterator> it_;  // empty until the first Next()/Seek()
  Timestamp mint_ = 0;
  Timestamp maxt_ = 0;
  bool valid_ = false;  // At() is a sample in range
  bool done_ = false;
};

struct Series {
  SeriesRef ref;
  LabelSet labels;
  SeriesIterator samples;
};

struct HeadStats {
  size_t num_series = 0;
  size_t num_samples = 0;
  size_t num_chunks = 0;
  size_t chunk_bytes = 0;           // encoded chunk payload
  size_t chunk_capacity_bytes = 0;  // heap held by chunk buffers
  size_t series_bytes = 0;          // per-series structs, chunk objects, index
  uint64_t out_of_order_total = 0;
  uint64_t duplicate_total = 0;
  // Heap held by sample data per sample (chunk buffers only).
  double BytesPerSample() const;
  // Heap per series apart from its sample data (index, series, chunk objects).
  double BytesPerSeries() const;
};

class Head {
 public:
  // REQUIRES: max_samples_per_chunk >= 1.
  struct Options {
    int max_samples_per_chunk = XorChunk::kDefaultMaxSamples;
    size_t max_chunk_bytes = XorChunk::kDefaultMaxBytes;
  };

  Head();
  explicit Head(Options options);
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Fails with kInvalidArgument for an empty label set or a rejected sample.
  Result<SeriesRef> Append(const LabelSet& labels, Timestamp t, double v);
  // Fails with kNotFound for an unknown ref, kInvalidArgument as above.
  Result<void> Append(SeriesRef ref, Timestamp t, double v);

  // Planning an append without making it (the Db logs a batch before the
  // head shows it). REQUIRES: no concurrent Append (the Db's writers are
  // serialised). Find: the series' ref, if it exists. NextRef: the ref the
  // next new series gets. TailOf: its newest sample. Judge: what Append
  // would do with a sample after `tail`.
  struct Tail {
    bool any = false;  // the series has a sample
    Timestamp t = 0;
    uint64_t bits = 0;
  };
  enum class Verdict { kAccept, kResent, kTooOld, kOutOfOrder, kDuplicate };
  std::optional<SeriesRef> Find(const LabelSet& labels) const;
  SeriesRef NextRef() const;
  Tail TailOf(SeriesRef ref) const;
  Verdict Judge(const Tail& tail, Timestamp t, double v) const;

  // Series matching all matchers (all series if none) whose chunks overlap
  // [mint, maxt], sorted by ref; a series whose samples straddle the range
  // without falling in it comes back with an empty iterator, as in
  // Prometheus. kInvalidArgument on a bad regex.
  Result<std::vector<Series>> Select(const std::vector<LabelMatcher>& matchers, Timestamp mint,
                                     Timestamp maxt) const;
  std::vector<std::string> LabelNames() const;
  Result<std::vector<std::string>> LabelValues(
      std::string_view name, const std::vector<LabelMatcher>& matchers = {}) const;

  // O(series); takes every series lock briefly.
  HeadStats Stats() const;

  // Oldest and newest sample times appended since the last Truncate (the
  // oldest is at least MinValidTime()); INT64_MAX / INT64_MIN when empty.
  Timestamp MinTime() const { return min_time_.load(std::memory_order_relaxed); }
  Timestamp MaxTime() const { return max_time_.load(std::memory_order_relaxed); }
  Timestamp MinValidTime() const { return min_valid_.load(std::memory_order_relaxed); }

  // Drops everything before `t` (see above). A no-op if t <= MinValidTime().
  void Truncate(Timestamp t);

 private:
  struct MemSeries;

  Result<void> AppendTo(MemSeries& s, Timestamp t, double v);
  void NoteTime(Timestamp t);

  const Options options_;
  mutable std::shared_mutex index_mu_;  // guards index_ and series_
  Index index_;
  // By ref; null once removed by Truncate. Shared so that Select, which
  // reads series after releasing index_mu_, keeps them alive meanwhile.
  std::vector<std::shared_ptr<MemSeries>> series_;
  std::atomic<Timestamp> min_valid_{INT64_MIN};
  std::atomic<Timestamp> min_time_{INT64_MAX};
  std::atomic<Timestamp> max_time_{INT64_MIN};
  std::atomic<uint64_t> out_of_order_total_{0};
  std::atomic<uint64_t> duplicate_total_{0};
};

}  // namespace fw::metrics::tsdb
