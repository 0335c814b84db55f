#include "metrics/promql/head_storage.h"

namespace fw::metrics::promql {

Result<void> HeadStorage::Add(LabelSet labels, std::vector<Sample> samples) {
  if (samples.empty()) return {};
  auto ref = head_->Append(labels, samples[0].t, samples[0].v);
  if (!ref) return Fail(ref.error());
  for (size_t i = 1; i < samples.size(); ++i) {
    if (auto ok = head_->Append(*ref, samples[i].t, samples[i].v); !ok) return ok;
  }
  return {};
}

std::vector<StoredSeries> HeadStorage::Select(std::span<const LabelMatcher> matchers,
                                              Timestamp mint, Timestamp maxt) const {
  return SelectFromHead(*head_, matchers, mint, maxt);
}

std::vector<StoredSeries> SelectFromHead(const tsdb::Head& head,
                                         std::span<const LabelMatcher> matchers, Timestamp mint,
                                         Timestamp maxt) {
  std::vector<StoredSeries> out;
  auto series =
      head.Select(std::vector<LabelMatcher>(matchers.begin(), matchers.end()), mint, maxt);
  if (!series) return out;  // the engine compiles matchers first and reports bad regexes
  for (tsdb::Series& s : *series) {
    StoredSeries stored{s.labels, {}, {}};
    while (s.samples.Next()) stored.samples.push_back(s.samples.At());
    if (!stored.samples.empty()) out.push_back(std::move(stored));
  }
  return out;
}

}  // namespace fw::metrics::promql
