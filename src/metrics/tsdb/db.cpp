// Db: opening (blocks, log replay), appends and imports. Head cuts,
// compaction and retention are in db_maintain.cpp, queries in db_query.cpp.

#include "metrics/tsdb/db.h"

#include <dirent.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <unordered_map>

#include "metrics/tsdb/block_format.h"
#include "metrics/tsdb/fileutil.h"

namespace fw::metrics::tsdb {
namespace {

// Rebuilds the head from the log. Refs in the log belong to the process
// that wrote them: a series record (re)declares a ref, and later sample
// records resolve through the latest declaration. Samples before the floor
// (the newest head cut) are already in blocks and are skipped.
class Replayer final : public WalHandler {
 public:
  Replayer(Head& head, Timestamp floor) : head_(head), floor_(floor) {}
  void OnFloor(Timestamp floor) override {
    floor_ = std::max(floor_, floor);
    head_.Truncate(floor_);
  }
  void OnSeries(const WalSeries& s) override {
    declared_[s.ref] = s.labels;
    resolved_.erase(s.ref);
  }
  void OnSamples(std::span<const WalSample> batch) override {
    for (const WalSample& s : batch) {
      if (s.t < floor_) continue;
      auto r = resolved_.find(s.ref);
      if (r != resolved_.end()) {
        if (head_.Append(r->second, s.t, s.v)) ++samples;
        continue;
      }
      auto d = declared_.find(s.ref);
      if (d == declared_.end()) continue;  // cannot happen in a log we wrote
      auto ref = head_.Append(d->second, s.t, s.v);
      if (!ref) continue;
      resolved_[s.ref] = *ref;
      ++samples;
    }
  }
  size_t samples = 0;

 private:
  Head& head_;
  Timestamp floor_;
  std::unordered_map<uint64_t, LabelSet> declared_;
  std::unordered_map<uint64_t, SeriesRef> resolved_;
};

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Timestamp FloorDiv(Timestamp t, int64_t r) { return (t >= 0 ? t / r : (t - r + 1) / r) * r; }

}  // namespace

Db::Db(std::string dir, DbOptions options) : dir_(std::move(dir)), options_(options) {
  if (!options_.clock) {
    own_clock_ = std::make_unique<RealClock>();
    options_.clock = own_clock_.get();
  }
  if (options_.block_range_ms <= 0) options_.block_range_ms = DbOptions{}.block_range_ms;
  id_counter_ = std::random_device{}() & 0xffff;
}

Db::~Db() = default;

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, WalOptions wal) {
  DbOptions o;
  o.wal = wal;
  return Open(dir, o);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, DbOptions options) {
  if (options.read_only && !std::filesystem::is_directory(dir)) {
    return Fail(ErrorCode::kNotFound, "no data directory " + dir);
  }
  if (!options.read_only) {
    if (auto r = MakeDir(dir); !r) return Fail(r.error().WithContext("data directory"));
  }
  std::unique_ptr<Db> db(new Db(dir, options));
  if (auto r = db->OpenBlocks(); !r) return Fail(r.error());
  if (auto r = db->ReplayWal(); !r) return Fail(r.error());
  // Catch up on cuts, compaction and retention due while the store was
  // closed; a failure is kept in Stats() and retried on the next append.
  if (!options.read_only) (void)db->Maintain();
  return db;
}

// Loads every block, deleting torn temporaries, half-deleted blocks and the
// sources of merged blocks (a crash between writing the merge and deleting
// its inputs).
Result<void> Db::OpenBlocks() {
  if (!options_.read_only) {
    if (auto r = MakeDir(blocks_dir()); !r) return r;
  }
  std::vector<std::shared_ptr<Block>> blocks;
  for (const std::string& name : ListDir(blocks_dir())) {
    const std::string path = blocks_dir() + "/" + name;
    if (name.ends_with(kTmpSuffix) || name.ends_with(kDeletedSuffix)) {
      if (options_.read_only) continue;  // perhaps a writer's work in progress
      if (auto r = RemoveTree(path); !r) return r;
      ++open_stats_.removed_dirs;
      continue;
    }
    auto b = Block::Open(path);
    if (!b) return Fail(b.error());
    blocks.push_back(std::move(*b));
  }
  std::set<std::string> replaced;
  for (const auto& b : blocks) {
    for (const std::string& p : b->meta().parents) replaced.insert(p);
    for (const std::string& s : b->meta().sources) {
      if (s != b->meta().id) replaced.insert(s);
    }
  }
  for (auto& b : blocks) {
    if (!replaced.count(b->meta().id)) continue;
    const std::string path = b->dir();
    b.reset();
    if (options_.read_only) continue;
    if (auto r = RemoveTree(path); !r) return r;
    ++open_stats_.removed_dirs;
  }
  std::erase(blocks, nullptr);
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->meta().mint < b->meta().mint; });
  if (open_stats_.removed_dirs > 0 && !options_.read_only) {
    if (auto r = SyncDir(blocks_dir()); !r) return r;
  }
  blocks_ = std::move(blocks);
  open_stats_.blocks = blocks_.size();
  return {};
}

Result<void> Db::ReplayWal() {
  head_ = std::make_unique<Head>();
  Timestamp floor = INT64_MIN;
  for (const auto& b : blocks_) floor = std::max(floor, b->meta().head_floor);
  if (floor != INT64_MIN) head_->Truncate(floor);
  const std::string wal_dir = dir_ + "/wal";
  Replayer replayer(*head_, floor);
  auto replay = Wal::Replay(wal_dir, replayer);
  if (!replay) return Fail(replay.error());
  if (!replay->corruption.empty()) {
    return Fail(ErrorCode::kIo, "write-ahead log checkpoint is corrupt at " + replay->corruption +
                                    "; move the damaged checkpoint aside to start without it");
  }
  open_stats_.series = head_->Stats().num_series;
  open_stats_.samples = replayer.samples;
  open_stats_.torn_tail = replay->torn_tail;
  open_stats_.skipped_records = replay->skipped;
  open_stats_.damaged_at = replay->damaged_at;
  if (options_.read_only) return {};
  auto wal = Wal::Open(wal_dir, options_.wal);
  if (!wal) return Fail(wal.error());
  wal_ = std::move(*wal);
  return {};
}

Result<void> Db::CheckWritable() const {
  if (!options_.read_only) return {};
  return Fail(ErrorCode::kInvalidArgument, "the store in " + dir_ + " was opened read-only");
}

Result<AppendStats> Db::Append(const std::vector<LabeledSample>& batch) {
  if (auto r = CheckWritable(); !r) return Fail(r.error());
  std::lock_guard lock(write_mu_);
  auto st = AppendLocked(batch);
  if (!st) return st;
  if (options_.on_appended && st->accepted > 0) options_.on_appended(batch);
  const Timestamp now = options_.clock->Now();
  const bool cut_due = head_->MaxTime() != INT64_MIN && head_->MinTime() != INT64_MAX &&
                       head_->MaxTime() - head_->MinTime() > options_.block_range_ms / 2 * 3;
  if (cut_due || last_maintain_ == INT64_MIN ||
      now - last_maintain_ >= options_.maintain_interval_ms) {
    // The samples are durable already: a failed cut or compaction is
    // reported in Stats() and retried, not failed back to the writer.
    (void)MaintainLocked();
  }
  return st;
}

// The batch is logged and synced before the head shows any of it: a batch
// whose log write fails (a full disk) answers an error and is never seen by
// queries, nor replayed (the log cuts it back). So the head's verdicts are
// planned first, without changing it, then logged, then applied.
Result<AppendStats> Db::AppendLocked(const std::vector<LabeledSample>& batch) {
  struct Planned {
    const LabelSet* labels;
    SeriesRef ref;
    Head::Tail tail;
    bool declared = false;  // in new_series
  };
  std::vector<Planned> series;                        // distinct label sets of the batch
  std::unordered_multimap<uint64_t, size_t> by_hash;  // label hash -> index in series
  std::vector<WalSeries> new_series;
  std::vector<WalSample> accepted;
  accepted.reserve(batch.size());
  SeriesRef next_ref = head_->NextRef();
  for (const LabeledSample& s : batch) {
    if (s.labels.empty()) continue;  // the head refuses it, creating nothing
    const uint64_t h = s.labels.Hash();
    size_t k = SIZE_MAX;
    for (auto [it, end] = by_hash.equal_range(h); it != end; ++it) {
      if (*series[it->second].labels == s.labels) k = it->second;
    }
    if (k == SIZE_MAX) {
      // The head creates a series for a new label set even when its sample
      // is refused, so refs are planned for every new label set.
      const std::optional<SeriesRef> ref = head_->Find(s.labels);
      k = series.size();
      series.push_back(
          {&s.labels, ref ? *ref : next_ref++, ref ? head_->TailOf(*ref) : Head::Tail{}});
      by_hash.emplace(h, k);
    }
    Planned& p = series[k];
    const Head::Verdict v = head_->Judge(p.tail, s.sample.t, s.sample.v);
    if (v != Head::Verdict::kAccept && v != Head::Verdict::kResent) continue;
    if (v == Head::Verdict::kAccept)
      p.tail = {true, s.sample.t, std::bit_cast<uint64_t>(s.sample.v)};
    if (!p.declared && !logged_.contains(p.ref)) {
      new_series.push_back({p.ref, s.labels});
      p.declared = true;
    }
    accepted.push_back({p.ref, s.sample.t, s.sample.v});
  }
  if (!new_series.empty()) {
    if (auto ok = wal_->LogSeries(new_series); !ok) return Fail(ok.error());
  }
  if (!accepted.empty()) {
    if (auto ok = wal_->LogSamples(accepted); !ok) return Fail(ok.error());
  }
  if (!new_series.empty() || !accepted.empty()) {
    if (auto ok = wal_->Sync(); !ok) return Fail(ok.error());
  }
  for (const WalSeries& w : new_series) logged_.insert(w.ref);
  // Durable: now the head shows it, with the verdicts planned above.
  AppendStats stats;
  stats.accepted = accepted.size();
  for (const LabeledSample& s : batch) {
    auto ref = head_->Append(s.labels, s.sample.t, s.sample.v);
    if (!ref && stats.rejected++ == 0) stats.first_rejection = ref.error().message();
  }
  return stats;
}

Result<AppendStats> Db::Import(std::vector<SeriesSamples> series) {
  if (auto r = CheckWritable(); !r) return Fail(r.error());
  std::lock_guard lock(write_mu_);
  const int64_t range = options_.block_range_ms;
  AppendStats stats;
  // A file may list a series' samples out of order: sort them, and keep the
  // first of several values at one timestamp (the others are rejected).
  for (SeriesSamples& s : series) {
    auto by_time = [](const Sample& x, const Sample& y) { return x.t < y.t; };
    if (!std::is_sorted(s.samples.begin(), s.samples.end(), by_time)) {
      std::stable_sort(s.samples.begin(), s.samples.end(), by_time);
    }
    auto dup = std::unique(s.samples.begin(), s.samples.end(),
                           [](const Sample& x, const Sample& y) { return x.t == y.t; });
    if (dup != s.samples.end() && stats.rejected == 0) {
      stats.first_rejection = "several samples at one timestamp in " + s.labels.ToString();
    }
    stats.rejected += static_cast<size_t>(s.samples.end() - dup);
    s.samples.erase(dup, s.samples.end());
  }
  std::sort(series.begin(), series.end(),
            [](const SeriesSamples& a, const SeriesSamples& b) { return a.labels < b.labels; });
  for (size_t i = 1; i < series.size(); ++i) {  // one series listed twice: one entry
    if (series[i].labels != series[i - 1].labels) continue;
    series[i].samples =
        MergeSamples(std::move(series[i - 1].samples), std::move(series[i].samples));
    series[i - 1].samples.clear();
  }
  std::erase_if(series, [](const SeriesSamples& s) { return s.samples.empty(); });
  Timestamp oldest = INT64_MAX, newest = INT64_MIN;
  for (const SeriesSamples& s : series) {
    if (s.samples.empty()) continue;
    oldest = std::min(oldest, s.samples.front().t);
    newest = std::max(newest, s.samples.back().t);
  }
  for (Timestamp a = oldest == INT64_MAX ? 0 : FloorDiv(oldest, range); a <= newest; a += range) {
    auto r = ImportRange(series, a, a + range);
    if (!r) return Fail(r.error());
    stats.accepted += *r;
  }
  if (auto r = MaintainLocked(); !r) return Fail(r.error());
  return stats;
}

// Writes the samples of `series` (sorted by labels) in [a, b) as a level-1
// block; returns how many there were.
Result<size_t> Db::ImportRange(const std::vector<SeriesSamples>& series, Timestamp a, Timestamp b) {
  auto before = [](const Sample& x, Timestamp t) { return x.t < t; };
  std::vector<SeriesSamples> part;
  for (const SeriesSamples& s : series) {
    auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), a, before);
    auto hi = std::lower_bound(lo, s.samples.end(), b, before);
    if (lo != hi) part.push_back({s.labels, std::vector<Sample>(lo, hi)});
  }
  if (part.empty()) return 0;
  std::vector<const SeriesSamples*> ptrs;
  for (const SeriesSamples& p : part) ptrs.push_back(&p);
  BlockMeta meta;
  meta.mint = a;
  meta.maxt = b;
  auto block = WriteBlock(meta, ptrs);
  if (!block) return Fail(block.error());
  std::unique_lock state(state_mu_);
  blocks_.push_back(*block);
  std::sort(blocks_.begin(), blocks_.end(),
            [](const auto& x, const auto& y) { return x->meta().mint < y->meta().mint; });
  return static_cast<size_t>((*block)->meta().num_samples);
}

// Writes a block of `series` (sorted by labels) durably and opens it.
Result<std::shared_ptr<Block>> Db::WriteBlock(BlockMeta meta,
                                              const std::vector<const SeriesSamples*>& series) {
  meta.id = NewBlockId();
  if (meta.sources.empty()) meta.sources = {meta.id};
  auto w = BlockWriter::Create(blocks_dir(), meta);
  if (!w) return Fail(w.error());
  for (const SeriesSamples* s : series) {
    if (auto r = (*w)->AddSeries(s->labels, s->samples); !r) return Fail(r.error());
  }
  auto done = (*w)->Finish();
  if (!done) return Fail(done.error());
  return Block::Open(blocks_dir() + "/" + meta.id);
}

// Sortable by creation time, unique within the directory.
std::string Db::NewBlockId() {
  char id[40];
  std::snprintf(id, sizeof id, "%012llx%08llx",
                static_cast<unsigned long long>(std::max<Timestamp>(0, options_.clock->Now())),
                static_cast<unsigned long long>(++id_counter_ & 0xffffffffULL));
  return id;
}

std::vector<std::shared_ptr<Block>> Db::blocks() const {
  std::shared_lock lock(state_mu_);
  return blocks_;
}

Timestamp Db::MaxTime() const {
  std::shared_lock lock(state_mu_);
  Timestamp t = head_->MaxTime();
  for (const auto& b : blocks_) t = std::max(t, b->max_sample_time());
  return t;
}

DbStats Db::Stats() const {
  std::shared_lock lock(state_mu_);
  DbStats st = stats_;
  st.blocks = blocks_.size();
  for (const auto& b : blocks_) st.block_bytes += b->size_bytes();
  return st;
}

}  // namespace fw::metrics::tsdb
