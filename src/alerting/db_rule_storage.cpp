#include "alerting/db_rule_storage.h"

namespace fw::alerting {

Result<void> DbRuleStorage::Append(const std::vector<OutputSample>& samples) {
  std::vector<metrics::tsdb::LabeledSample> batch;
  batch.reserve(samples.size());
  for (const auto& s : samples) batch.push_back({s.labels, s.sample});
  auto r = db_.Append(batch);
  if (!r) return Fail(r.error());
  return {};
}

}  // namespace fw::alerting
