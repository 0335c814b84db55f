#pragma once
// Series held in memory that rules read and write: what `firewatch test
// rules` and the scenario checks evaluate against. Samples of a series must
// come in time order; an older or equal timestamp is ignored, as the store
// rejects it.

#include <map>
#include <vector>

#include "alerting/rule_eval.h"

namespace fw::alerting {

class MemoryRuleStorage final : public RuleStorage, public metrics::promql::Queryable {
 public:
  void Add(const LabelSet& labels, metrics::Sample s);
  const metrics::promql::Queryable& queryable() const override { return *this; }
  Result<void> Append(const std::vector<OutputSample>& samples) override;
  std::vector<metrics::promql::StoredSeries> Select(std::span<const metrics::LabelMatcher> matchers,
                                                    Timestamp mint, Timestamp maxt) const override;
  // Timestamps of the series' samples, for tests.
  const std::vector<metrics::Sample>* Find(const LabelSet& labels) const;

 private:
  std::map<LabelSet, std::vector<metrics::Sample>> series_;
};

}  // namespace fw::alerting
