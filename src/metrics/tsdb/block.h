#pragma once
// An immutable on-disk block: every sample of a set of series in the time
// range [mint, maxt), in its own directory (format: docs/storage.md):
//   meta.json  id, range, counts, compaction level, sources and parents
//   chunks     Gorilla XOR chunks (chunk.h), each with its CRC-32C
//   index      symbols, series (labels + chunk refs), postings; CRC-32C
//
// BlockWriter writes into <id>.tmp/, fsyncs every file and the directory,
// then renames it to <id>/ and fsyncs the parent: a block directory either
// exists complete or not at all. Block::Open maps the files read-only,
// checks every checksum and cross-reference, and fails with kIo naming the
// file and the damage. Readers need no lock: nothing in a block changes.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/tsdb/encoding.h"
#include "metrics/tsdb/fileutil.h"
#include "metrics/tsdb/index.h"

namespace fw::metrics::tsdb {

struct BlockMeta {
  std::string id;
  Timestamp mint = 0;  // inclusive
  Timestamp maxt = 0;  // exclusive, as in Prometheus
  uint64_t num_series = 0;
  uint64_t num_samples = 0;
  uint64_t num_chunks = 0;
  int level = 1;                     // 1 for a head cut or an import, +1 per compaction
  std::vector<std::string> sources;  // the level-1 blocks whose data this holds
  std::vector<std::string> parents;  // the blocks merged into this one (empty at level 1)
  // The head was cut at this time when the data was written: samples of the
  // head before it are in blocks, so WAL replay skips them. INT64_MIN for
  // imported data.
  Timestamp head_floor = INT64_MIN;
};

// A series and its samples, as blocks and the Db hand them out.
struct SeriesSamples {
  LabelSet labels;
  std::vector<Sample> samples;  // time-ordered
};

class BlockWriter {
 public:
  // Starts <blocks_dir>/<meta.id>.tmp/. The counts in `meta` are filled in.
  static Result<std::unique_ptr<BlockWriter>> Create(const std::string& blocks_dir, BlockMeta meta);
  // Removes the temporary directory unless Finish() succeeded.
  ~BlockWriter();

  // REQUIRES: label sets strictly increasing across calls; samples in time
  // order within [mint, maxt). A series without samples is skipped.
  Result<void> AddSeries(const LabelSet& labels, std::span<const Sample> samples);
  // Writes the index and meta.json, syncs and renames into place.
  Result<BlockMeta> Finish();

 private:
  struct SeriesEntry;
  BlockWriter(std::string blocks_dir, BlockMeta meta);
  Result<void> Flush();
  Result<void> WriteIndex();

  std::string blocks_dir_;
  std::string tmp_dir_;
  BlockMeta meta_;
  int chunks_fd_ = -1;
  std::string buf_;             // chunk bytes not yet written
  uint64_t chunks_offset_ = 0;  // file offset of buf_[0]
  std::vector<SeriesEntry> series_;
  bool finished_ = false;
};

class Block {
 public:
  // Maps and validates the block in `dir`.
  static Result<std::shared_ptr<Block>> Open(const std::string& dir);
  ~Block();

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  // Bytes of its three files on disk.
  uint64_t size_bytes() const { return size_bytes_; }
  // The newest sample's time (meta().maxt is the range's exclusive end).
  Timestamp max_sample_time() const { return max_sample_time_; }

  // The series matching all matchers that have samples in [mint, maxt],
  // sorted by labels. kInvalidArgument on a bad regex.
  Result<std::vector<SeriesSamples>> Select(const std::vector<LabelMatcher>& matchers,
                                            Timestamp mint, Timestamp maxt) const;
  // Like Select, without decoding: series with a chunk overlapping the range.
  Result<std::vector<LabelSet>> SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                             Timestamp mint, Timestamp maxt) const;
  std::vector<std::string> LabelNames() const;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<LabelMatcher>& matchers) const;
  // Series by position, in label order (what compaction merges over).
  size_t num_series() const { return index_.NumSeries(); }
  const LabelSet& SeriesLabels(size_t i) const { return index_.Labels(static_cast<SeriesRef>(i)); }
  // Appends series i's samples in [mint, maxt] to `out`.
  void ReadSeries(size_t i, Timestamp mint, Timestamp maxt, std::vector<Sample>& out) const;

 private:
  struct ChunkRef {
    Timestamp mint, maxt;
    uint64_t offset;
  };
  Block() = default;
  Result<void> LoadIndex(const std::string& path);
  Result<void> LoadSeries(Decoder& d, const std::vector<std::string_view>& symbols,
                          const std::string& path);
  Result<std::vector<uint64_t>> ScanChunks() const;
  void Decode(const ChunkRef& c, Timestamp mint, Timestamp maxt, std::vector<Sample>& out) const;

  std::string dir_;
  BlockMeta meta_;
  MappedFile chunks_;
  uint64_t size_bytes_ = 0;
  Timestamp max_sample_time_ = INT64_MIN;
  Index index_;                          // label lookups; ref i = the i-th series in the file
  std::vector<ChunkRef> chunks_refs_;    // all series' chunks, series after series
  std::vector<uint32_t> series_chunks_;  // series i owns [series_chunks_[i], [i + 1])
};

// meta.json text and its parser (kIo on a malformed file, naming `path`).
std::string BlockMetaJson(const BlockMeta& m);
Result<BlockMeta> ParseBlockMeta(std::string_view text, const std::string& path);

}  // namespace fw::metrics::tsdb
