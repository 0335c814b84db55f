#include "metrics/promql/ast.h"

#include <array>
#include <cctype>

namespace fw::metrics::promql {
namespace {

constexpr std::array<std::string_view, 14> kAggregateNames = {
    "sum",    "avg",  "count",   "min",      "max",          "group",  "stddev",
    "stdvar", "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio",
};

}  // namespace

bool IsComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view ToString(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

std::string_view ToString(AggregateOp op) { return kAggregateNames[static_cast<size_t>(op)]; }

std::optional<AggregateOp> LookupAggregateOp(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < kAggregateNames.size(); ++i) {
    if (kAggregateNames[i] == lower) return static_cast<AggregateOp>(i);
  }
  return std::nullopt;
}

bool TakesParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kCountValues:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

ValueType BinaryExpr::type() const {
  if (lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar) {
    return ValueType::kScalar;
  }
  return ValueType::kVector;
}

std::vector<const Expr*> Children(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kNumber:
    case NodeKind::kString:
    case NodeKind::kVectorSelector:
      return {};
    case NodeKind::kMatrixSelector:
      return {e.As<MatrixSelector>().selector.get()};
    case NodeKind::kSubquery:
      return {e.As<SubqueryExpr>().expr.get()};
    case NodeKind::kParen:
      return {e.As<ParenExpr>().expr.get()};
    case NodeKind::kUnary:
      return {e.As<UnaryExpr>().expr.get()};
    case NodeKind::kBinary:
      return {e.As<BinaryExpr>().lhs.get(), e.As<BinaryExpr>().rhs.get()};
    case NodeKind::kAggregate: {
      const auto& a = e.As<AggregateExpr>();
      if (a.param) return {a.param.get(), a.expr.get()};
      return {a.expr.get()};
    }
    case NodeKind::kCall: {
      std::vector<const Expr*> out;
      for (const auto& arg : e.As<Call>().args) out.push_back(arg.get());
      return out;
    }
  }
  return {};
}

}  // namespace fw::metrics::promql
