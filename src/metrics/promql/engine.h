#pragma once
// The PromQL evaluator: runs a parsed expression (parser.h) against a
// Queryable at one instant or over a range of steps, with Prometheus 3
// semantics: 5-minute lookback, left-open ranges, staleness markers,
// delayed __name__ removal, Prometheus's annotations (warnings and infos),
// and native histograms (float histograms, exponential or custom buckets)
// where the Queryable holds them: selection, arithmetic, sum/avg, rate and
// friends, histogram_* functions; elsewhere they are left out with the
// annotation Prometheus gives.
//
//   auto expr = ParseExpr("sum by (job) (rate(http_requests_total[5m]))");
//   auto r = InstantQuery(storage, **expr, t_ms);
//
// The expression is taken mutable only to resolve durations that depend on
// the query (step(), range()); evaluating it again is fine.
//
// Runtime errors (duplicate series in a match group, a bad regex in
// label_replace, too many samples) come back as kInvalidArgument or
// kTooLarge; the query's text positions are not attached at run time.

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "metrics/promql/ast.h"
#include "metrics/promql/limits.h"
#include "metrics/promql/storage.h"
#include "metrics/promql/value.h"

namespace fw::metrics::promql {

struct EngineOptions {
  int64_t lookback_ms = 5 * 60 * 1000;
  // Step of subqueries written without one (`x[10m:]`), like Prometheus's
  // global evaluation interval.
  int64_t default_subquery_step_ms = 60 * 1000;
  // Samples held at once before the query is refused (kTooLarge); the
  // default is limits.h's, --query.max-samples.
  size_t max_samples = kDefaultMaxSamples;
  // Time limit and cancellation, checked between steps, at every subquery
  // step and every few hundred nodes evaluated: with a clock, the query fails
  // with kTimeout ("query timed out in expression evaluation") once
  // clock->Now() >= deadline; a stop request fails it with kTimeout ("query
  // was canceled ..."). REQUIRES: clock outlives the query.
  const Clock* clock = nullptr;
  Timestamp deadline = 0;
  std::stop_token stop;
};

// Options for one query under `limits`: max_samples, and a deadline of
// clock.Now() + limits.timeout (none when the timeout is 0).
EngineOptions OptionsWithin(const QueryLimits& limits, const Clock& clock,
                            std::stop_token stop = {});

struct QueryResult {
  Value value;  // a range query gives a kMatrix
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

Result<QueryResult> InstantQuery(const Queryable& storage, Expr& expr, Timestamp at,
                                 const EngineOptions& options = {});

// REQUIRES: step_ms > 0, start <= end.
Result<QueryResult> RangeQuery(const Queryable& storage, Expr& expr, Timestamp start, Timestamp end,
                               int64_t step_ms, const EngineOptions& options = {});

}  // namespace fw::metrics::promql
