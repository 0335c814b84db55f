#include "alerting/memory_rule_storage.h"

#include <algorithm>

namespace fw::alerting {

void MemoryRuleStorage::Add(const LabelSet& labels, metrics::Sample s) {
  auto& samples = series_[labels];
  if (!samples.empty() && samples.back().t >= s.t) return;
  samples.push_back(s);
}

Result<void> MemoryRuleStorage::Append(const std::vector<OutputSample>& samples) {
  for (const OutputSample& s : samples) Add(s.labels, s.sample);
  return {};
}

std::vector<metrics::promql::StoredSeries> MemoryRuleStorage::Select(
    std::span<const metrics::LabelMatcher> matchers, Timestamp mint, Timestamp maxt) const {
  std::vector<metrics::promql::StoredSeries> out;
  auto compiled = metrics::promql::CompiledMatchers::Compile(matchers);
  if (!compiled) return out;
  for (const auto& [labels, samples] : series_) {
    if (!compiled->Matches(labels)) continue;
    auto lo = std::lower_bound(samples.begin(), samples.end(), mint,
                               [](const metrics::Sample& x, Timestamp t) { return x.t < t; });
    auto hi = std::upper_bound(lo, samples.end(), maxt,
                               [](Timestamp t, const metrics::Sample& x) { return t < x.t; });
    if (lo == hi) continue;
    out.push_back({labels, std::vector<metrics::Sample>(lo, hi), {}});
  }
  return out;
}

const std::vector<metrics::Sample>* MemoryRuleStorage::Find(const LabelSet& labels) const {
  auto it = series_.find(labels);
  return it == series_.end() ? nullptr : &it->second;
}

}  // namespace fw::alerting
