#pragma once
// DbRuleStorage: rules over the metrics store. Rules read every series of
// the Db through a DbView, and recording rules' results (and ALERTS) are
// appended back to it, durably, like any other samples. What the server and
// the embedded demo pipeline evaluate their rule groups against.

#include "alerting/rule_eval.h"
#include "metrics/promql/db_storage.h"
#include "metrics/tsdb/db.h"

namespace fw::alerting {

class DbRuleStorage final : public RuleStorage {
 public:
  // REQUIRES: db outlives this object.
  explicit DbRuleStorage(metrics::tsdb::Db& db) : db_(db), view_(db) {}
  const metrics::promql::Queryable& queryable() const override { return view_; }
  Result<void> Append(const std::vector<OutputSample>& samples) override;

 private:
  metrics::tsdb::Db& db_;
  metrics::promql::DbView view_;
};

}  // namespace fw::alerting
