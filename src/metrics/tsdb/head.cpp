#include "metrics/tsdb/head.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <string>

namespace fw::metrics::tsdb {

// One series' samples. Closed chunks are immutable and shared with readers;
// the open chunk is private and copied for readers under `mu`.
struct Head::MemSeries {
  explicit MemSeries(const Options& o) : open(o.max_samples_per_chunk, o.max_chunk_bytes) {}

  mutable std::mutex mu;  // guards everything below
  std::vector<std::shared_ptr<const SealedChunk>> closed;
  XorChunk open;
  size_t closed_samples = 0;
  Timestamp last_t = 0;
  uint64_t last_bits = 0;
};

SeriesIterator::SeriesIterator(std::vector<std::shared_ptr<const SealedChunk>> chunks,
                               Timestamp mint, Timestamp maxt)
    : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

bool SeriesIterator::Finish() {
  done_ = true;
  valid_ = false;
  return false;
}

bool SeriesIterator::Check() {
  if (it_->At().t > maxt_) return Finish();
  valid_ = true;
  return true;
}

bool SeriesIterator::Next() {
  if (done_) return false;
  if (!it_) return Seek(mint_);
  while (!it_->Next()) {
    if (++cur_ >= chunks_.size()) return Finish();
    it_.emplace(chunks_[cur_]->Iterator());
  }
  return Check();
}

bool SeriesIterator::Seek(Timestamp t) {
  if (done_) return false;
  t = std::max(t, mint_);
  if (valid_ && it_->At().t >= t) return true;
  // Chunks that end before t are skipped without decoding.
  if (!it_ || chunks_[cur_]->max_time() < t) {
    size_t i = it_ ? cur_ + 1 : 0;
    while (i < chunks_.size() && chunks_[i]->max_time() < t) ++i;
    if (i >= chunks_.size()) return Finish();
    cur_ = i;
    it_.emplace(chunks_[cur_]->Iterator());
  }
  if (!it_->Seek(t)) return Finish();  // only on a corrupt chunk
  return Check();
}

double HeadStats::BytesPerSample() const {
  return num_samples ? static_cast<double>(chunk_capacity_bytes) / num_samples : 0;
}

double HeadStats::BytesPerSeries() const {
  return num_series ? static_cast<double>(series_bytes) / num_series : 0;
}

Head::Head() : Head(Options{}) {}
Head::Head(Options options) : options_(options) {}
Head::~Head() = default;

// Appends hold the index lock shared: Truncate, which frees series, takes
// it exclusively, so the MemSeries cannot go away mid-append (and no
// reference count is paid per sample).
Result<SeriesRef> Head::Append(const LabelSet& labels, Timestamp t, double v) {
  if (labels.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "cannot append a sample to a series with no labels");
  }
  for (;;) {
    {
      std::shared_lock lock(index_mu_);
      if (std::optional<SeriesRef> ref = index_.Find(labels)) {
        Result<void> r = AppendTo(*series_[*ref], t, v);
        if (!r) return Fail(r.error().WithContext(labels.ToString()));
        return *ref;
      }
    }
    std::unique_lock lock(index_mu_);
    bool created = false;
    index_.GetOrCreate(labels, &created);
    if (created) series_.push_back(std::make_shared<MemSeries>(options_));
  }
}

Result<void> Head::Append(SeriesRef ref, Timestamp t, double v) {
  std::shared_lock lock(index_mu_);
  if (ref >= series_.size() || !series_[ref]) {
    return Fail(ErrorCode::kNotFound, "unknown series ref " + std::to_string(ref) +
                                          "; append by label set to create the series");
  }
  Result<void> r = AppendTo(*series_[ref], t, v);
  if (!r) return Fail(r.error().WithContext("series ref " + std::to_string(ref)));
  return {};
}

void Head::NoteTime(Timestamp t) {
  Timestamp lo = min_time_.load(std::memory_order_relaxed);
  while (t < lo && !min_time_.compare_exchange_weak(lo, t, std::memory_order_relaxed)) {
  }
  Timestamp hi = max_time_.load(std::memory_order_relaxed);
  while (t > hi && !max_time_.compare_exchange_weak(hi, t, std::memory_order_relaxed)) {
  }
}

std::optional<SeriesRef> Head::Find(const LabelSet& labels) const {
  std::shared_lock lock(index_mu_);
  return index_.Find(labels);
}

SeriesRef Head::NextRef() const {
  std::shared_lock lock(index_mu_);
  return static_cast<SeriesRef>(index_.NumSeries());
}

Head::Tail Head::TailOf(SeriesRef ref) const {
  std::shared_lock lock(index_mu_);
  if (ref >= series_.size() || !series_[ref]) return {};
  const MemSeries& s = *series_[ref];
  std::lock_guard series_lock(s.mu);
  return {s.closed_samples > 0 || !s.open.empty(), s.last_t, s.last_bits};
}

Head::Verdict Head::Judge(const Tail& tail, Timestamp t, double v) const {
  if (t < min_valid_.load(std::memory_order_relaxed)) return Verdict::kTooOld;
  if (!tail.any) return Verdict::kAccept;
  if (t < tail.t) return Verdict::kOutOfOrder;
  if (t == tail.t) {
    return std::bit_cast<uint64_t>(v) == tail.bits ? Verdict::kResent : Verdict::kDuplicate;
  }
  return Verdict::kAccept;
}

Result<void> Head::AppendTo(MemSeries& s, Timestamp t, double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  std::lock_guard lock(s.mu);
  switch (Judge({s.closed_samples > 0 || !s.open.empty(), s.last_t, s.last_bits}, t, v)) {
    case Verdict::kTooOld:
      out_of_order_total_.fetch_add(1, std::memory_order_relaxed);
      return Fail(ErrorCode::kInvalidArgument,
                  "out-of-bounds sample at t=" + std::to_string(t) +
                      ", before t=" + std::to_string(min_valid_.load(std::memory_order_relaxed)) +
                      " where the in-memory head starts (older data is in "
                      "on-disk blocks); import historical data with `firewatch metrics import`");
    case Verdict::kOutOfOrder:
      out_of_order_total_.fetch_add(1, std::memory_order_relaxed);
      return Fail(ErrorCode::kInvalidArgument,
                  "out-of-order sample at t=" + std::to_string(t) +
                      ", before the last sample at t=" + std::to_string(s.last_t) +
                      "; samples of a series must be in time order");
    case Verdict::kDuplicate:
      duplicate_total_.fetch_add(1, std::memory_order_relaxed);
      return Fail(ErrorCode::kInvalidArgument,
                  "duplicate sample at t=" + std::to_string(t) +
                      " with a different value; a series has one value per timestamp");
    case Verdict::kResent:
      return {};  // a re-sent sample, as Prometheus accepts
    case Verdict::kAccept:
      break;
  }
  s.open.Append(t, v);
  s.last_t = t;
  s.last_bits = bits;
  NoteTime(t);
  if (s.open.Full()) {
    // Seal at once rather than on the next append: a full open chunk would
    // otherwise hold up to twice its size in vector capacity meanwhile.
    s.closed_samples += static_cast<size_t>(s.open.num_samples());
    s.closed.push_back(std::make_shared<const SealedChunk>(s.open));
    s.open = XorChunk(options_.max_samples_per_chunk, options_.max_chunk_bytes);
  }
  return {};
}

void Head::Truncate(Timestamp t) {
  std::unique_lock lock(index_mu_);
  if (t <= min_valid_.load(std::memory_order_relaxed)) return;
  min_valid_.store(t, std::memory_order_relaxed);
  Timestamp new_min = INT64_MAX;
  for (size_t ref = 0; ref < series_.size(); ++ref) {
    if (!series_[ref]) continue;
    MemSeries& s = *series_[ref];
    std::lock_guard series_lock(s.mu);
    size_t drop = 0;
    while (drop < s.closed.size() && s.closed[drop]->max_time() < t) {
      s.closed_samples -= static_cast<size_t>(s.closed[drop]->num_samples());
      ++drop;
    }
    s.closed.erase(s.closed.begin(), s.closed.begin() + static_cast<ptrdiff_t>(drop));
    const bool open_live = !s.open.empty() && s.open.max_time() >= t;
    if (s.closed.empty() && !open_live) {
      index_.Remove(static_cast<SeriesRef>(ref));
      series_[ref].reset();
      continue;
    }
    // A chunk straddling t stays whole; Select hides its older samples.
    const Timestamp first = s.closed.empty() ? s.open.min_time() : s.closed.front()->min_time();
    new_min = std::min(new_min, std::max(first, t));
  }
  min_time_.store(new_min, std::memory_order_relaxed);
}

Result<std::vector<Series>> Head::Select(const std::vector<LabelMatcher>& matchers, Timestamp mint,
                                         Timestamp maxt) const {
  std::vector<Series> out;
  mint = std::max(mint, min_valid_.load(std::memory_order_relaxed));  // older: in blocks
  if (mint > maxt) return out;
  std::vector<std::shared_ptr<MemSeries>> mem;
  {
    std::shared_lock lock(index_mu_);
    Result<std::vector<SeriesRef>> refs = index_.Select(matchers);
    if (!refs) return Fail(refs.error());
    out.reserve(refs->size());
    mem.reserve(refs->size());
    for (SeriesRef ref : *refs) {
      out.push_back(Series{ref, index_.Labels(ref), {}});
      mem.push_back(series_[ref]);
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    std::vector<std::shared_ptr<const SealedChunk>> chunks;
    {
      MemSeries& s = *mem[i];
      std::lock_guard lock(s.mu);
      for (const auto& c : s.closed) {
        if (c->max_time() >= mint && c->min_time() <= maxt) chunks.push_back(c);
      }
      if (!s.open.empty() && s.open.max_time() >= mint && s.open.min_time() <= maxt) {
        chunks.push_back(std::make_shared<const SealedChunk>(s.open));
      }
    }
    if (chunks.empty()) continue;
    out[i].samples = SeriesIterator(std::move(chunks), mint, maxt);
    if (kept != i) out[kept] = std::move(out[i]);
    ++kept;
  }
  out.resize(kept);
  return out;
}

std::vector<std::string> Head::LabelNames() const {
  std::shared_lock lock(index_mu_);
  return index_.LabelNames();
}

Result<std::vector<std::string>> Head::LabelValues(
    std::string_view name, const std::vector<LabelMatcher>& matchers) const {
  std::shared_lock lock(index_mu_);
  return index_.LabelValues(name, matchers);
}

HeadStats Head::Stats() const {
  HeadStats st;
  std::shared_lock lock(index_mu_);
  st.series_bytes = index_.MemoryBytes() + series_.capacity() * sizeof(series_[0]);
  // make_shared puts the control block (two counts, a vtable) next to the chunk.
  constexpr size_t kSharedChunkBytes = sizeof(SealedChunk) + 16;
  constexpr size_t kSharedSeriesOverhead = 16;
  for (const auto& sp : series_) {
    if (!sp) continue;
    ++st.num_series;
    const MemSeries& s = *sp;
    std::lock_guard series_lock(s.mu);
    st.num_samples += s.closed_samples + static_cast<size_t>(s.open.num_samples());
    st.num_chunks += s.closed.size() + (s.open.empty() ? 0 : 1);
    st.chunk_bytes += s.open.size_bytes();
    st.chunk_capacity_bytes += s.open.capacity_bytes();
    for (const auto& c : s.closed) {
      st.chunk_bytes += c->size_bytes();
      st.chunk_capacity_bytes += c->size_bytes();  // sealed: exactly sized
    }
    st.series_bytes += sizeof(MemSeries) + kSharedSeriesOverhead +
                       s.closed.capacity() * sizeof(s.closed[0]) +
                       s.closed.size() * kSharedChunkBytes;
  }
  st.out_of_order_total = out_of_order_total_.load(std::memory_order_relaxed);
  st.duplicate_total = duplicate_total_.load(std::memory_order_relaxed);
  return st;
}

}  // namespace fw::metrics::tsdb
