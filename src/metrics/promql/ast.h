#pragma once
// The PromQL syntax tree produced by ParseExpr (parser.h).
//
// Every node derives from Expr and carries its NodeKind, its position in the
// query (byte offsets, half-open) and its value type. Children are owned
// through std::unique_ptr. To walk a tree, switch on `kind` and downcast:
//
//   switch (e.kind) {
//     case NodeKind::kBinary: {
//       const auto& b = e.As<BinaryExpr>();
//       Eval(*b.lhs); Eval(*b.rhs); ...
//     }
//     ...
//   }
//
// or use Children(e) for a generic pre-order walk. The parser has already
// type-checked the tree (see functions.h), so an evaluator may rely on e.g.
// rate()'s argument being a kMatrix node. Times are milliseconds.
//
// Shapes that differ from a naive reading:
//  * A VectorSelector always holds its name as a __name__ equality matcher
//    too (first in `matchers`), as Prometheus does.
//  * A MatrixSelector's offset and @ live on its inner VectorSelector.
//  * `-1` is a NumberLiteral of -1, not a UnaryExpr (Prometheus folds it).
//  * Durations may be arithmetic (`[5m+1m]`, `offset (2*3s)`); constant ones
//    are folded into the *_ms fields at parse time. Ones that use the
//    experimental step() or range() keep their scalar expression (in seconds)
//    in a *_expr field; call ResolveDurations() once per query to fill the
//    *_ms fields before evaluating. Children() does not visit *_expr.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/model.h"
#include "metrics/promql/functions.h"

namespace fw::metrics::promql {

enum class NodeKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

struct PosRange {
  int start = 0;  // byte offset of the first character
  int end = 0;    // one past the last character
};

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  virtual ValueType type() const = 0;

  // REQUIRES: T matches `kind`.
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }

  const NodeKind kind;
  PosRange pos;
};

using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(NodeKind::kNumber) {}
  ValueType type() const override { return ValueType::kScalar; }
  double value = 0;
  bool written_as_duration = false;  // `5m` used as a number: 300, printed as 5m
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(NodeKind::kString) {}
  ValueType type() const override { return ValueType::kString; }
  std::string value;
};

// Where `@` pins a selector or subquery: nowhere, a fixed time, or the
// query's start or end time.
enum class AtKind { kNone, kTimestamp, kStart, kEnd };

struct AtModifier {
  AtKind kind = AtKind::kNone;
  int64_t timestamp_ms = 0;  // REQUIRES kind == kTimestamp
};

struct VectorSelector final : Expr {
  VectorSelector() : Expr(NodeKind::kVectorSelector) {}
  ValueType type() const override { return ValueType::kVector; }
  std::string name;  // empty when selected by matchers only
  std::vector<LabelMatcher> matchers;
  int64_t offset_ms = 0;  // positive looks back in time
  ExprPtr offset_expr;    // query-dependent offset, see the file comment
  AtModifier at;
  // Experimental extended range selection (`foo[5m] anchored`, `foo
  // smoothed`): anchored rate-like functions use the sample at or before the
  // range start; smoothed ones interpolate at the range boundaries.
  bool anchored = false;
  bool smoothed = false;
};

struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(NodeKind::kMatrixSelector) {}
  ValueType type() const override { return ValueType::kMatrix; }
  std::unique_ptr<VectorSelector> selector;
  int64_t range_ms = 0;
  ExprPtr range_expr;  // query-dependent range, see the file comment
};

struct SubqueryExpr final : Expr {
  SubqueryExpr() : Expr(NodeKind::kSubquery) {}
  ValueType type() const override { return ValueType::kMatrix; }
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0: the evaluator's default resolution
  int64_t offset_ms = 0;
  AtModifier at;
  ExprPtr range_expr, step_expr, offset_expr;  // query-dependent, see the file comment
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(NodeKind::kParen) {}
  ValueType type() const override { return expr->type(); }
  ExprPtr expr;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};

bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);
std::string_view ToString(BinaryOp op);

struct UnaryExpr final : Expr {
  UnaryExpr() : Expr(NodeKind::kUnary) {}
  ValueType type() const override { return expr->type(); }
  BinaryOp op = BinaryOp::kSub;  // kAdd or kSub
  ExprPtr expr;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// How the two vectors of a binary operation are matched. `on` false with no
// labels means "match on all labels but the metric name" (the default).
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // the on/ignoring list
  std::vector<std::string> include;  // group_left/group_right extra labels
  // Experimental fill modifiers (`a + fill(0) b`, fill_left, fill_right):
  // the value used for a side that has no match, instead of dropping it.
  std::optional<double> fill_left, fill_right;
};

struct BinaryExpr final : Expr {
  BinaryExpr() : Expr(NodeKind::kBinary) {}
  ValueType type() const override;  // scalar iff both sides are scalars
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // `bool` modifier on a comparison
  // Present iff both sides are instant vectors.
  std::optional<VectorMatching> matching;
};

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};

std::string_view ToString(AggregateOp op);
// Case-insensitive, as in Prometheus ("SUM" works).
std::optional<AggregateOp> LookupAggregateOp(std::string_view name);
// topk, bottomk, quantile, count_values, limitk, limit_ratio.
bool TakesParam(AggregateOp op);

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(NodeKind::kAggregate) {}
  ValueType type() const override { return ValueType::kVector; }
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // null unless TakesParam(op)
  std::vector<std::string> grouping;
  bool without = false;  // grouping lists labels to drop
};

struct Call final : Expr {
  Call() : Expr(NodeKind::kCall) {}
  ValueType type() const override { return func->return_type; }
  const FunctionInfo* func = nullptr;  // never null in a parsed tree
  std::vector<ExprPtr> args;
};

// Direct children of `e`, in source order.
std::vector<const Expr*> Children(const Expr& e);

// Computes the query-dependent durations of the tree (those written with
// step() or range(); see the file comment) for a query with the given step
// and range (end - start; both 0 for an instant query). Fails if one comes
// out negative where that is not allowed, or not finite.
Result<bool> ResolveDurations(Expr& e, int64_t step_ms, int64_t range_ms);

// Canonical PromQL text of `e`, as Prometheus's String() prints it: e.g.
// `sum by (job) (rate(foo{a="b"}[5m] offset 1m))`.
std::string Format(const Expr& e);

// Go's fmt %v of a float: 1, 0.5, 1e+06, +Inf, NaN.
std::string FormatFloat(double v);

// Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest round-tripping
// decimal without exponent (how the API writes sample values and
// count_values its labels): 0.1, 1000000, NaN, +Inf.
std::string FormatFloatFixed(double v);

// Go's strconv.Quote: "a\"b\n", invalid UTF-8 as \x.. .
std::string QuoteString(std::string_view s);

}  // namespace fw::metrics::promql
