#pragma once
// One aggregate function's running state for one stats group. Values that
// are not numbers are skipped by sum, avg, min, max, stddev and pct; nulls
// are skipped by all but count(*).
//
//   count(*), count()   rows;        count(x)   rows where x is present
//   count_distinct(x)   exact number of distinct display values
//   sum avg min max     numeric; min/max of timestamps stay timestamps
//   stddev(x)           sample standard deviation (n-1); 0 for one value
//   pct(x, p)           nearest-rank percentile: the smallest value with at
//                       least p% of values at or below it
//   earliest/latest(x)  x of the row with the smallest/largest @timestamp;
//                       ties go to the row read first
//   sortsFirst/Last(x)  the value that sorts first/last in sort order

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "logs/insights/ast.h"
#include "logs/insights/eval.h"

namespace fw::logs::insights {

class AggState {
 public:
  // REQUIRES: agg.kind == ExprKind::kAggregate; agg outlives this state.
  explicit AggState(const Expr& agg);
  // Adds one row. Returns the number of values newly held in memory (pct and
  // count_distinct keep values), so the caller can enforce its limit.
  int Add(const Row& row);
  // Folds in the state of the same aggregate over rows read after this
  // state's rows (a later chunk of the input), as if Add had seen them all.
  // Returns the number of values newly held, as Add. Sums may differ in the
  // last bits from a single pass (addition order).
  int Merge(AggState&& later);
  Value Result() const;

 private:
  const Expr* agg_;
  int64_t count_ = 0;
  double mean_ = 0, m2_ = 0, sum_ = 0;  // Welford's running mean and squares
  double min_ = 0, max_ = 0;
  bool all_times_ = true;
  std::vector<double> values_;  // pct
  std::unordered_set<std::string> distinct_;
  Value best_;
  Timestamp best_time_ = 0;
};

}  // namespace fw::logs::insights
