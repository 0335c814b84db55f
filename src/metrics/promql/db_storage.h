#pragma once
// The engine's view of the whole metrics store: a Queryable over tsdb::Db,
// so PromQL reads on-disk blocks and the in-memory head as one. Series with
// equal labels in several blocks and the head come back as one series in
// time order, each timestamp once (tsdb::Db::Select).

#include "metrics/promql/storage.h"
#include "metrics/tsdb/db.h"

namespace fw::metrics::promql {

// A read-only view of a Db owned elsewhere (the server's store).
class DbView final : public Queryable {
 public:
  // REQUIRES: db outlives the view.
  explicit DbView(const tsdb::Db& db) : db_(db) {}
  // Series without samples in [mint, maxt] are left out. A bad regex yields
  // no series: the engine compiles matchers first and reports it.
  std::vector<StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                   Timestamp maxt) const override;

 private:
  const tsdb::Db& db_;
};

}  // namespace fw::metrics::promql
