// Db maintenance: head cuts (head -> block, WAL checkpoint), compaction of
// adjacent blocks, retention. The crash-safety argument is in db.h and
// docs/storage.md.

#include <algorithm>
#include <set>

#include "metrics/tsdb/block_format.h"
#include "metrics/tsdb/db.h"
#include "metrics/tsdb/fileutil.h"

namespace fw::metrics::tsdb {
namespace {

Timestamp FloorDiv(Timestamp t, int64_t r) { return (t >= 0 ? t / r : (t - r + 1) / r) * r; }

constexpr int64_t kMaxBlockRange = 31LL * 24 * 3600 * 1000;

void SortByMint(std::vector<std::shared_ptr<Block>>& blocks) {
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->meta().mint < b->meta().mint; });
}

}  // namespace

Result<void> Db::Maintain() {
  if (auto r = CheckWritable(); !r) return r;
  std::lock_guard lock(write_mu_);
  return MaintainLocked();
}

Result<void> Db::MaintainLocked() {
  last_maintain_ = options_.clock->Now();
  Result<void> result;
  for (;;) {
    auto cut = CutHead();
    if (!cut) {
      result = Fail(cut.error());
      break;
    }
    if (!*cut) break;
  }
  for (;;) {
    auto compacted = CompactOnce();
    if (!compacted) {
      if (result) result = Fail(compacted.error());
      break;
    }
    if (!*compacted) break;
  }
  if (auto r = ApplyRetention(); !r && result) result = r;
  std::unique_lock state(state_mu_);
  stats_.last_maintenance_error = result ? "" : result.error().message();
  return result;
}

// Persists the head's oldest block range if the head spans more than 1.5
// ranges. Returns whether it cut.
Result<bool> Db::CutHead() {
  const int64_t range = options_.block_range_ms;
  const Timestamp lo = head_->MinTime(), hi = head_->MaxTime();
  if (lo == INT64_MAX || hi == INT64_MIN || hi - lo <= range / 2 * 3) return false;
  const Timestamp a = FloorDiv(lo, range), b = a + range;
  auto series = head_->Select({}, a, b - 1);
  if (!series) return Fail(series.error());
  std::vector<SeriesSamples> data;
  data.reserve(series->size());
  for (Series& s : *series) {
    SeriesSamples x{std::move(s.labels), {}};
    while (s.samples.Next()) x.samples.push_back(s.samples.At());
    if (!x.samples.empty()) data.push_back(std::move(x));
  }
  std::sort(data.begin(), data.end(),
            [](const SeriesSamples& x, const SeriesSamples& y) { return x.labels < y.labels; });
  std::shared_ptr<Block> block;
  if (!data.empty()) {
    std::vector<const SeriesSamples*> ptrs;
    for (const SeriesSamples& s : data) ptrs.push_back(&s);
    BlockMeta meta;
    meta.mint = a;
    meta.maxt = b;
    meta.head_floor = b;
    auto written = WriteBlock(meta, ptrs);
    if (!written) return Fail(written.error());
    block = std::move(*written);
  }
  CrashPoint("cut:block_written");
  auto closed = wal_->Rotate();
  if (!closed) return Fail(closed.error());
  {
    // Readers see the block and the truncated head together, never neither.
    std::unique_lock state(state_mu_);
    if (block) {
      blocks_.push_back(block);
      SortByMint(blocks_);
    }
    head_->Truncate(b);
    ++stats_.head_cuts;
  }
  CrashPoint("cut:head_truncated");
  if (auto r = Checkpoint(*closed, b); !r) return Fail(r.error());
  CrashPoint("cut:checkpointed");
  return true;
}

// Writes what the head holds (all of it is at or after `floor`) as the
// checkpoint replacing segments <= upto. Appends are blocked meanwhile, so
// the head is exactly what those segments replay to.
Result<void> Db::Checkpoint(uint32_t upto, Timestamp floor) {
  auto series = head_->Select({}, floor, INT64_MAX);
  if (!series) return Fail(series.error());
  logged_.clear();
  auto written = wal_->Checkpoint(upto, [&](Wal& cp) -> Result<void> {
    if (auto r = cp.LogFloor(floor); !r) return r;
    for (Series& s : *series) {
      const WalSeries decl{s.ref, s.labels};
      if (auto r = cp.LogSeries({&decl, 1}); !r) return r;
      logged_.insert(s.ref);
      XorChunk chunk;
      while (s.samples.Next()) {
        if (chunk.Full()) {
          if (auto r = cp.LogChunk(s.ref, chunk); !r) return r;
          chunk = XorChunk();
        }
        chunk.Append(s.samples.At().t, s.samples.At().v);
      }
      if (!chunk.empty()) {
        if (auto r = cp.LogChunk(s.ref, chunk); !r) return r;
      }
    }
    CrashPoint("cut:checkpoint_unrenamed");
    return {};
  });
  // A checkpoint that failed (a full disk) declares nothing: the series it
  // had listed are declared again in the log with their next samples, or
  // replay would find samples of refs no surviving file declares.
  if (!written) logged_.clear();
  return written;
}

// Merges the blocks of one aligned window (3x, 9x, ... the block range, up
// to 10% of retention or 31 d) once the window is complete. Returns whether
// it merged.
Result<bool> Db::CompactOnce() {
  std::vector<std::shared_ptr<Block>> blocks = this->blocks();
  if (blocks.size() < 2) return false;
  Timestamp newest = INT64_MIN;
  for (const auto& b : blocks) newest = std::max(newest, b->meta().maxt);
  int64_t cap = kMaxBlockRange;
  if (options_.retention_ms > 0) cap = std::min(cap, options_.retention_ms / 10);
  for (int64_t window = options_.block_range_ms * 3; window <= cap; window *= 3) {
    std::vector<std::shared_ptr<Block>> group;
    Timestamp group_start = INT64_MIN;
    for (const auto& b : blocks) {
      const Timestamp w = FloorDiv(b->meta().mint, window);
      if (b->meta().maxt > w + window || w + window > newest) continue;  // straddles, or open
      if (w != group_start) {
        if (group.size() >= 2) break;
        group.clear();
        group_start = w;
      }
      group.push_back(b);
    }
    if (group.size() < 2) continue;
    BlockMeta meta;
    meta.mint = INT64_MAX;
    meta.maxt = INT64_MIN;
    std::set<std::string> sources;
    for (const auto& b : group) {
      const BlockMeta& m = b->meta();
      meta.mint = std::min(meta.mint, m.mint);
      meta.maxt = std::max(meta.maxt, m.maxt);
      meta.level = std::max(meta.level, m.level + 1);
      meta.head_floor = std::max(meta.head_floor, m.head_floor);
      meta.parents.push_back(m.id);
      sources.insert(m.sources.begin(), m.sources.end());
    }
    meta.sources.assign(sources.begin(), sources.end());
    auto merged = WriteMerged(meta, group);
    if (!merged) return Fail(merged.error());
    {
      std::unique_lock state(state_mu_);
      std::erase_if(blocks_, [&](const auto& b) {
        return std::find(group.begin(), group.end(), b) != group.end();
      });
      blocks_.push_back(*merged);
      SortByMint(blocks_);
      ++stats_.compactions;
    }
    CrashPoint("compact:merged_written");
    // Durable merge first, then the sources go; Open() finishes this if cut short.
    for (const auto& b : group) {
      if (auto r = RemoveBlockDir(b->dir()); !r) return Fail(r.error());
    }
    return true;
  }
  return false;
}

// Every series of `group` (each sorted by labels) merged by label set, then
// by time with equal timestamps once.
Result<std::shared_ptr<Block>> Db::WriteMerged(BlockMeta meta,
                                               const std::vector<std::shared_ptr<Block>>& group) {
  std::vector<size_t> pos(group.size(), 0);
  std::vector<SeriesSamples> batch;
  meta.id = NewBlockId();
  auto w = BlockWriter::Create(blocks_dir(), meta);
  if (!w) return Fail(w.error());
  for (;;) {
    const LabelSet* next = nullptr;
    for (size_t i = 0; i < group.size(); ++i) {
      if (pos[i] < group[i]->num_series() && (!next || group[i]->SeriesLabels(pos[i]) < *next)) {
        next = &group[i]->SeriesLabels(pos[i]);
      }
    }
    if (!next) break;
    const LabelSet labels = *next;
    std::vector<Sample> merged;
    for (size_t i = 0; i < group.size(); ++i) {
      if (pos[i] >= group[i]->num_series() || group[i]->SeriesLabels(pos[i]) != labels) continue;
      std::vector<Sample> part;
      group[i]->ReadSeries(pos[i]++, INT64_MIN, INT64_MAX, part);
      merged = MergeSamples(std::move(merged), std::move(part));
    }
    if (auto r = (*w)->AddSeries(labels, merged); !r) return Fail(r.error());
  }
  auto done = (*w)->Finish();
  if (!done) return Fail(done.error());
  return Block::Open(blocks_dir() + "/" + meta.id);
}

Result<void> Db::ApplyRetention() {
  std::vector<std::shared_ptr<Block>> blocks = this->blocks();
  std::set<std::shared_ptr<Block>> doomed;
  if (const Timestamp newest = MaxTime(); options_.retention_ms > 0 && newest != INT64_MIN) {
    // From now, or from the newest sample when that is older (as Prometheus,
    // which counts from its newest block): an imported recording older than
    // the retention is not deleted the moment it lands.
    const Timestamp cutoff = std::min(options_.clock->Now(), newest) - options_.retention_ms;
    for (const auto& b : blocks) {
      if (b->meta().maxt <= cutoff) doomed.insert(b);
    }
  }
  if (options_.retention_bytes > 0) {
    uint64_t total = 0;
    for (const auto& b : blocks) total += b->size_bytes();
    for (const auto& b : blocks) {  // oldest first
      if (total <= options_.retention_bytes) break;
      doomed.insert(b);
      total -= b->size_bytes();
    }
  }
  if (doomed.empty()) return {};
  {
    std::unique_lock state(state_mu_);
    std::erase_if(blocks_, [&](const auto& b) { return doomed.count(b) > 0; });
    stats_.blocks_deleted += doomed.size();
  }
  for (const auto& b : doomed) {
    if (auto r = RemoveBlockDir(b->dir()); !r) return r;
  }
  return {};
}

// Renamed aside first, so a crash mid-removal never leaves a half block
// that Open() would report as corrupt. Queries still reading the block keep
// their mappings.
Result<void> Db::RemoveBlockDir(const std::string& dir) {
  const std::string aside = dir + kDeletedSuffix;
  if (auto r = RenameSynced(dir, aside, blocks_dir()); !r) return r;
  return RemoveTree(aside);
}

}  // namespace fw::metrics::tsdb
