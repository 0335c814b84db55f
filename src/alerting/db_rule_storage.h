#pragma once
// DbRuleStorage: rules over the metrics store. Rules read every series of
// the Db through a DbView, and recording rules' results (and ALERTS) are
// appended back to it, durably, like any other samples. What the server and
// the embedded demo pipeline evaluate their rule groups against. Reads may
// be pointed elsewhere (ReadFrom: the Db together with a team's own
// Prometheus); writes always go to the Db.

#include "alerting/rule_eval.h"
#include "metrics/promql/db_storage.h"
#include "metrics/tsdb/db.h"

namespace fw::alerting {

class DbRuleStorage final : public RuleStorage {
 public:
  // REQUIRES: db outlives this object.
  explicit DbRuleStorage(metrics::tsdb::Db& db) : db_(db), view_(db) {}
  const metrics::promql::Queryable& queryable() const override { return reads_ ? *reads_ : view_; }
  const metrics::promql::Queryable& local() const { return view_; }
  // REQUIRES: `reads` outlives this object; null: the Db again.
  void ReadFrom(const metrics::promql::Queryable* reads) { reads_ = reads; }
  Result<void> Append(const std::vector<OutputSample>& samples) override;

 private:
  metrics::tsdb::Db& db_;
  metrics::promql::DbView view_;
  const metrics::promql::Queryable* reads_ = nullptr;
};

}  // namespace fw::alerting
