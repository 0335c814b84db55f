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
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "metrics/promql/engine.h"

namespace fw::metrics::promql {

struct EvalError {
  Error error;
};

[[noreturn]] inline void Throw(ErrorCode code, std::string message) {
  throw EvalError{Error(code, std::move(message))};
}

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
  // engine_functions.cpp
  Value EvalCall(const Call& e, Timestamp t);

  // Samples of a matrix selector at t: (ref - range, ref], no stale markers.
  Matrix SelectRange(const MatrixSelector& m, Timestamp t);
  // The subquery's inner values at its steps in (ref - range, ref].
  Matrix EvalSubquery(const SubqueryExpr& s, Timestamp t);
  // Evaluates a range-vector argument (matrix selector or subquery).
  Matrix EvalMatrix(const Expr& e, Timestamp t);
  // Evaluates an argument that must be a scalar / an instant vector.
  double EvalScalar(const Expr& e, Timestamp t);
  Vector EvalVector(const Expr& e, Timestamp t);

 private:
  const std::vector<StoredSeries>& Fetch(const VectorSelector& vs);
  Timestamp RefTime(const AtModifier& at, int64_t offset, Timestamp t) const;
  Vector SelectInstant(const VectorSelector& vs, Timestamp t);
  void CountSamples(size_t n);
  static void AddUnique(std::vector<std::string>& list, std::string s);

  const Queryable& storage_;
  EngineOptions options_;
  Timestamp start_, end_;
  int64_t step_;
  std::unordered_map<const VectorSelector*, std::vector<StoredSeries>> cache_;
  std::unordered_map<const VectorSelector*, std::pair<Timestamp, Timestamp>> extents_;
  size_t samples_loaded_ = 0;
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
std::string FormatForLabel(double v);  // Go's strconv.FormatFloat(v, 'f', -1, 64)

}  // namespace fw::metrics::promql
