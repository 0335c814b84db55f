#pragma once
// RemoteQueryable: the series a Prometheus-compatible query API holds, as
// the PromQL engine reads them. Select(matchers, mint, maxt) asks for the
// raw samples with one instant query of a range selector,
//   GET /api/v1/query?query={matchers}[<maxt-mint+1>ms]&time=<maxt>,
// which Prometheus, VictoriaMetrics, Thanos and Mimir all answer with the
// stored samples; firewatch's engine then evaluates the expression, so
// every stage's PromQL means the same whichever store holds the data.
//
// Select cannot fail by its interface: a remote that is down, slow (past
// the timeout) or answers an error yields no series, counted in errors()
// and logged (at most once per 30 s), so an analysis says "no data" rather
// than hanging. Thread-safe.
//
// UnionQueryable reads a local store and a remote one together: series in
// both (same labels) are taken from the remote, so a target scraped by
// both is not counted twice.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "metrics/promql/storage.h"
#include "metrics/remote/remote_settings.h"

namespace fw::metrics::remote {

class RemoteQueryable final : public promql::Queryable {
 public:
  // REQUIRES: settings.url set; log may be null.
  RemoteQueryable(RemoteMetricsSettings settings, Logger* log);
  std::vector<promql::StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                           Timestamp maxt) const override;

  // The same, with the failure: for `firewatch check` and tests.
  Result<std::vector<promql::StoredSeries>> Fetch(std::span<const LabelMatcher> matchers,
                                                  Timestamp mint, Timestamp maxt) const;
  uint64_t errors() const { return errors_.load(); }
  uint64_t queries() const { return queries_.load(); }
  const std::string& url() const { return settings_.url; }

 private:
  RemoteMetricsSettings settings_;
  std::string host_, prefix_;  // "http://host:port" and the path before /api/v1
  Logger* log_;
  mutable std::atomic<uint64_t> errors_{0}, queries_{0};
  mutable std::mutex log_mu_;
  mutable int64_t last_logged_ = 0;  // steady ms
};

// "{a=\"x\",b=~\"y\"}": matchers in PromQL, values escaped.
std::string FormatSelector(std::span<const LabelMatcher> matchers);

class UnionQueryable final : public promql::Queryable {
 public:
  // REQUIRES: both outlive this object.
  UnionQueryable(const promql::Queryable& local, const promql::Queryable& remote)
      : local_(local), remote_(remote) {}
  std::vector<promql::StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                           Timestamp maxt) const override;

 private:
  const promql::Queryable& local_;
  const promql::Queryable& remote_;
};

}  // namespace fw::metrics::remote
