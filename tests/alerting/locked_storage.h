#pragma once
// MemoryRuleStorage behind a mutex, for tests where a rule manager's thread
// and the test write and read the same series.

#include <mutex>

#include "alerting/memory_rule_storage.h"

namespace fw::alerting {

class LockedStorage final : public RuleStorage, public metrics::promql::Queryable {
 public:
  void Add(const LabelSet& l, metrics::Sample s) {
    std::lock_guard lock(mu_);
    inner_.Add(l, s);
  }
  const metrics::promql::Queryable& queryable() const override { return *this; }
  Result<void> Append(const std::vector<OutputSample>& samples) override {
    std::lock_guard lock(mu_);
    return inner_.Append(samples);
  }
  std::vector<metrics::promql::StoredSeries> Select(std::span<const metrics::LabelMatcher> m,
                                                    Timestamp mint,
                                                    Timestamp maxt) const override {
    std::lock_guard lock(mu_);
    return inner_.Select(m, mint, maxt);
  }

 private:
  mutable std::mutex mu_;
  MemoryRuleStorage inner_;
};

}  // namespace fw::alerting
