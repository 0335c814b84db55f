#include "metrics/tsdb/db.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace fw::metrics::tsdb {
namespace {

// Rebuilds the head from the log. Refs in the log belong to the process
// that wrote them: a series record (re)declares a ref, and later sample
// records resolve through the latest declaration.
class Replayer final : public WalHandler {
 public:
  explicit Replayer(Head& head) : head_(head) {}
  void OnSeries(const WalSeries& s) override {
    declared_[s.ref] = s.labels;
    resolved_.erase(s.ref);
  }
  void OnSamples(std::span<const WalSample> batch) override {
    for (const WalSample& s : batch) {
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
  std::unordered_map<uint64_t, LabelSet> declared_;
  std::unordered_map<uint64_t, SeriesRef> resolved_;
};

}  // namespace

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, WalOptions wal_options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(ErrorCode::kIo,
                "cannot create data directory " + dir + ": " + std::strerror(errno));
  }
  std::unique_ptr<Db> db(new Db());
  db->head_ = std::make_unique<Head>();
  const std::string wal_dir = dir + "/wal";
  Replayer replayer(*db->head_);
  auto replay = Wal::Replay(wal_dir, replayer);
  if (!replay) return Fail(replay.error());
  if (!replay->corruption.empty()) {
    return Fail(ErrorCode::kIo, "write-ahead log is corrupt at " + replay->corruption +
                                    "; move the damaged segment aside to start without it");
  }
  db->open_stats_ = {db->head_->Stats().num_series, replayer.samples, replay->torn_tail};
  auto wal = Wal::Open(wal_dir, wal_options);
  if (!wal) return Fail(wal.error());
  db->wal_ = std::move(*wal);
  return db;
}

Result<AppendStats> Db::Append(const std::vector<LabeledSample>& batch) {
  std::lock_guard<std::mutex> lock(append_mu_);
  AppendStats stats;
  std::vector<WalSeries> new_series;
  std::vector<WalSample> accepted;
  accepted.reserve(batch.size());
  for (const LabeledSample& s : batch) {
    auto ref = head_->Append(s.labels, s.sample.t, s.sample.v);
    if (!ref) {
      if (stats.rejected++ == 0) stats.first_rejection = ref.error().message();
      continue;
    }
    if (logged_.insert(*ref).second) new_series.push_back({*ref, s.labels});
    accepted.push_back({*ref, s.sample.t, s.sample.v});
  }
  stats.accepted = accepted.size();
  if (!new_series.empty()) {
    if (auto ok = wal_->LogSeries(new_series); !ok) return Fail(ok.error());
  }
  if (!accepted.empty()) {
    if (auto ok = wal_->LogSamples(accepted); !ok) return Fail(ok.error());
    if (auto ok = wal_->Sync(); !ok) return Fail(ok.error());
  }
  return stats;
}

}  // namespace fw::metrics::tsdb
