// Db queries: one view over blocks and head.

#include <algorithm>
#include <set>
#include <unordered_map>

#include "metrics/tsdb/db.h"

namespace fw::metrics::tsdb {

std::vector<Sample> MergeSamples(std::vector<Sample> a, std::vector<Sample> b) {
  if (b.empty()) return a;
  if (a.empty()) return b;
  if (a.back().t < b.front().t) {  // the usual case: adjacent blocks, then the head
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  std::vector<Sample> out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].t <= b[j].t)) {
      if (j < b.size() && a[i].t == b[j].t) ++j;
      out.push_back(a[i++]);
    } else {
      out.push_back(b[j++]);
    }
  }
  return out;
}

Result<std::vector<SeriesSamples>> Db::Select(const std::vector<LabelMatcher>& matchers,
                                              Timestamp mint, Timestamp maxt) const {
  std::vector<std::shared_ptr<Block>> blocks;
  std::vector<Series> head_series;
  {
    // One snapshot: a head cut swaps block list and head under the write lock.
    std::shared_lock lock(state_mu_);
    for (const auto& b : blocks_) {
      if (b->meta().maxt > mint && b->meta().mint <= maxt) blocks.push_back(b);
    }
    auto h = head_->Select(matchers, mint, maxt);
    if (!h) return Fail(h.error());
    head_series = std::move(*h);
  }
  std::vector<SeriesSamples> out;
  // Label hash -> positions in `out`; a single source needs no merging.
  std::unordered_multimap<uint64_t, size_t> where;
  const bool merge = !blocks.empty();
  auto add = [&](SeriesSamples&& s) {
    if (merge) {
      const uint64_t h = s.labels.Hash();
      auto [lo, hi] = where.equal_range(h);
      for (auto it = lo; it != hi; ++it) {
        SeriesSamples& prev = out[it->second];
        if (prev.labels != s.labels) continue;
        prev.samples = MergeSamples(std::move(prev.samples), std::move(s.samples));
        return;
      }
      where.emplace(h, out.size());
    }
    out.push_back(std::move(s));
  };
  for (const auto& b : blocks) {  // by mint, so merges mostly append
    auto part = b->Select(matchers, mint, maxt);
    if (!part) return Fail(part.error());
    for (SeriesSamples& s : *part) add(std::move(s));
  }
  for (Series& s : head_series) {
    SeriesSamples x{std::move(s.labels), {}};
    while (s.samples.Next()) x.samples.push_back(s.samples.At());
    if (!x.samples.empty()) add(std::move(x));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesSamples& a, const SeriesSamples& b) { return a.labels < b.labels; });
  return out;
}

Result<std::vector<LabelSet>> Db::SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                               Timestamp mint, Timestamp maxt) const {
  std::set<LabelSet> found;
  std::shared_lock lock(state_mu_);
  for (const auto& b : blocks_) {
    auto part = b->SeriesLabels(matchers, mint, maxt);
    if (!part) return Fail(part.error());
    for (LabelSet& l : *part) found.insert(std::move(l));
  }
  auto h = head_->Select(matchers, mint, maxt);
  if (!h) return Fail(h.error());
  for (Series& s : *h) found.insert(std::move(s.labels));
  return std::vector<LabelSet>(found.begin(), found.end());
}

std::vector<std::string> Db::LabelNames() const {
  std::set<std::string> names;
  std::shared_lock lock(state_mu_);
  for (const auto& b : blocks_) {
    for (std::string& n : b->LabelNames()) names.insert(std::move(n));
  }
  for (std::string& n : head_->LabelNames()) names.insert(std::move(n));
  return {names.begin(), names.end()};
}

Result<std::vector<std::string>> Db::LabelValues(std::string_view name,
                                                 const std::vector<LabelMatcher>& matchers) const {
  std::set<std::string> values;
  std::shared_lock lock(state_mu_);
  for (const auto& b : blocks_) {
    auto v = b->LabelValues(name, matchers);
    if (!v) return Fail(v.error());
    for (std::string& x : *v) values.insert(std::move(x));
  }
  auto v = head_->LabelValues(name, matchers);
  if (!v) return Fail(v.error());
  for (std::string& x : *v) values.insert(std::move(x));
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace fw::metrics::tsdb
