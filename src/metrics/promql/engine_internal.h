#pragma once
// The evaluator behind engine.h, split over engine.cpp (driver, selectors,
// subqueries), engine_binary.cpp, engine_aggregate.cpp and
// engine_functions.cpp. Internal to src/metrics/promql.
//
// Evaluation is per step: Eval(expr, t) computes the expression's value at
// one instant. Selector data is fetched once per selector node for the whole
// query (its widest needed time range) and then searched per step.
// Runtime errors are thrown as EvalError inside the evaluator and turned
// into Result at the public entry points; they never escape.

#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/engine.h"

namespace fw::metrics::promql {

struct EvalError {
  Error error;
};

[[noreturn]] inline void Throw(ErrorCode code, std::string message) {
  throw EvalError{Error(code, std::move(message))};
}

// The core of a range function that needs no argument besides the range
// vector: the value over one window (start, end] of one series' float
// samples, or nullopt to drop the series at that step.
using RangeKernel = std::optional<double> (*)(std::span<const Sample>, Timestamp window_start,
                                              Timestamp window_end);
// nullptr for functions with more arguments or none of that kind.
RangeKernel SimpleRangeKernel(std::string_view fn);

class Evaluator {
 public:
  Evaluator(const Queryable& storage, const EngineOptions& options, Timestamp start, Timestamp end,
            int64_t step);

  // The value of `e` at time t (ms).
  Value Eval(const Expr& e, Timestamp t);

  void Warn(std::string w) { AddUnique(warnings_, std::move(w)); }
  void Info(std::string i) { AddUnique(infos_, std::move(i)); }
  std::vector<std::string>& warnings() { return warnings_; }
  std::vector<std::string>& infos() { return infos_; }
  Timestamp query_start() const { return start_; }
  Timestamp query_end() const { return end_; }
  int64_t query_step() const { return step_; }

  // engine_binary.cpp
  Value EvalBinary(const BinaryExpr& e, Timestamp t);
  // engine_aggregate.cpp
  Value EvalAggregate(const AggregateExpr& e, Timestamp t);
  // The aggregation's parameter, checked (errors, warnings, capping); a
  // string parameter goes to `label`.
  double AggregateParam(const AggregateExpr& e, Timestamp t, std::string& label);
  // engine_functions.cpp
  Value EvalCall(const Call& e, Timestamp t);

  // engine_range_steps.cpp: a range function of a matrix selector, when
  // evaluated at a step of a range query, is computed for all steps at once
  // (one pass over each series) and each step's result handed out once.
  // False when the call does not qualify: evaluate it at t as usual.
  bool RangeFunctionAllSteps(const Call& c, Timestamp t, Vector& out);
  // Likewise sum/count of such a call, accumulated without building each
  // step's input vector.
  bool AggregateAllSteps(const AggregateExpr& e, Timestamp t, Vector& out);
  // The "might not be a counter" info for rate/increase/irate of `labels`.
  void WarnIfNotCounter(const LabelSet& labels);

  // Samples of a matrix selector at t: (ref - range, ref], no stale markers.
  Matrix SelectRange(const MatrixSelector& m, Timestamp t);
  // The subquery's inner values at its steps in (ref - range, ref].
  Matrix EvalSubquery(const SubqueryExpr& s, Timestamp t);
  // Evaluates a range-vector argument (matrix selector or subquery).
  Matrix EvalMatrix(const Expr& e, Timestamp t);
  // Evaluates an argument that must be a scalar / an instant vector.
  double EvalScalar(const Expr& e, Timestamp t);
  Vector EvalVector(const Expr& e, Timestamp t);
  // EvalVector without native histogram elements.
  Vector EvalFloatVector(const Expr& e, Timestamp t);

  // engine_histograms.cpp: the histogram_* functions, on native histograms
  // and (quantiles, fractions) on classic `le` buckets.
  void EvalHistogramFunction(const Call& c, Timestamp t, Value& out);
  // histogram_quantile(phi, in) of every histogram in `in`, native or classic.
  Vector Quantiles(double phi, const Vector& in, Timestamp t);
  // histogram_fraction(lower, upper, in) likewise.
  Vector Fractions(double lower, double upper, const Vector& in, Timestamp t);
  // The float elements of `in` as classic buckets grouped by their labels
  // without le, in order of appearance; warns about bad le labels.
  std::vector<std::pair<LabelSet, std::vector<Bucket>>> ClassicBuckets(const Vector& in);
  // Drops (with a warning) classic groups and native results of the same
  // series identity (`native` holds results labelled like `in`).
  void DropMixedHistograms(const Vector& in,
                           std::vector<std::pair<LabelSet, std::vector<Bucket>>>& classic,
                           Vector& native);
  // A binary operation with a histogram on either side: false drops the
  // element (with an info); else v or h (exactly one used) is the result.
  bool BinaryWithHistograms(BinaryOp op, bool return_bool, double lf, const HistogramPtr& lh,
                            double rf, const HistogramPtr& rh, double& v, HistogramPtr& h);
  // Leaves out the histograms an aggregation ignores (with an info).
  void FilterAggregateInput(AggregateOp op, Vector& in);
  // sum/avg of a group holding histograms: true if it handled the group.
  bool SumHistograms(bool avg, const LabelSet& key, const std::vector<VectorElement*>& members,
                     Timestamp t, Vector& out);
  // irate/idelta over a series holding histograms; as RangeOverHistograms.
  bool InstantHistogramRate(std::string_view fn, const MatrixSeries& s, Timestamp t, Vector& out);
  // rate/increase/delta of a series of histograms only (warning about
  // counter/gauge hints and clashing bucket layouts).
  HistogramPtr HistogramRateOf(std::string_view fn, const MatrixSeries& s, Timestamp range_start,
                               Timestamp range_end);
  // A range function over a series holding native histograms: true if it
  // handled the series (adding to `out` or dropping it), false to go on
  // with the float samples.
  bool RangeOverHistograms(std::string_view fn, const MatrixSeries& s, Timestamp range_start,
                           Timestamp range_end, Timestamp t, Vector& out);

 private:
  const std::vector<StoredSeries>& Fetch(const VectorSelector& vs);
  Timestamp RefTime(const AtModifier& at, int64_t offset, Timestamp t) const;
  Vector SelectInstant(const VectorSelector& vs, Timestamp t);
  void CountSamples(size_t n);

 public:
  // Throws kTimeout when the deadline passed or a stop was requested; cheap
  // enough for every step (reads the clock only every few calls).
  void CheckDeadline();

 private:
  size_t deadline_calls_ = 0;
  // engine_range_steps.cpp: results by query step; a step's entry is
  // emptied once handed out.
  using StepResults = std::vector<std::optional<Vector>>;
  // The matrix selector of a call eligible for all-steps evaluation at t.
  const MatrixSelector* AllStepsSelector(const Call& c, Timestamp t) const;
  // The selector's series, or null if any holds native histograms.
  const std::vector<StoredSeries>* FloatSeriesOf(const MatrixSelector& m);
  std::vector<Timestamp> StepRefs(const VectorSelector& vs) const;
  bool TakeStep(StepResults& steps, Timestamp t, Vector& out) const;
  StepResults AggregateWindows(const AggregateExpr& e, const Call& c, const MatrixSelector& m,
                               const std::vector<StoredSeries>& series);
  static void AddUnique(std::vector<std::string>& list, std::string s);

  const Queryable& storage_;
  EngineOptions options_;
  Timestamp start_, end_;
  int64_t step_;
  std::unordered_map<const VectorSelector*, std::vector<StoredSeries>> cache_;
  std::unordered_map<const VectorSelector*, std::pair<Timestamp, Timestamp>> extents_;
  size_t samples_loaded_ = 0;
  std::unordered_map<const Call*, StepResults> call_steps_;
  std::unordered_map<const AggregateExpr*, StepResults> aggregate_steps_;
  int subquery_depth_ = 0;  // > 0 while evaluating inside a subquery
  // Grouping keys by aggregation and input labels' identity: a range query
  // groups the same series at every step. Holds the input labels so that
  // their identity is not reused.
  struct MemoKey {
    LabelSet input, key;
  };
  std::unordered_map<const AggregateExpr*, std::unordered_map<const void*, MemoKey>> group_keys_;

 public:
  // The grouping key of `labels` under `e` (by / without), memoized.
  const LabelSet& GroupKeyOf(const AggregateExpr& e, const LabelSet& labels);

 private:
  std::vector<std::string> warnings_, infos_;

  friend class ExtentsVisitor;

 public:
  // Walks the tree once before evaluation to size each selector's fetch.
  void ComputeExtents(const Expr& root);
};

// Helpers shared by the evaluator's files.
LabelSet WithoutName(const LabelSet& l);
// Labels as Prometheus prints them in messages: {a="1", b="2"}.
std::string PromString(const LabelSet& l);
// Removes __name__ from elements flagged drop_name; errors when two
// elements then have the same labels.
void FinishVector(Vector& v);
void FinishMatrix(Matrix& m);

// engine_histograms.cpp
HistogramPtr Scaled(const FloatHistogram& h, double f);
// Removes native histogram elements; true if there were any.
bool DropHistograms(Vector& v);

}  // namespace fw::metrics::promql
