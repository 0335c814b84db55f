// Type rules of PromQL, applied as each node is built, with Prometheus's
// error messages so users can search for them.
#include <re2/re2.h>

#include "metrics/promql/parser_internal.h"

namespace fw::metrics::promql::internal {
namespace {

std::string Doc(ValueType t) { return std::string(DocumentedName(t)); }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

Result<ExprPtr> Parser::MakeBinary(BinaryOp op, ExprPtr lhs, ExprPtr rhs, bool return_bool,
                                   std::optional<VectorMatching> matching, int op_pos) {
  const ValueType lt = lhs->type();
  const ValueType rt = rhs->type();
  const std::string op_name(ToString(op));
  if (return_bool && !IsComparison(op)) {
    return ErrAt(op_pos, "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(op) && !return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
    return ErrAt(op_pos, "comparisons between scalars must use BOOL modifier");
  }
  if (IsSetOperator(op) && matching->card == Cardinality::kOneToOne) {
    matching->card = Cardinality::kManyToMany;
  }
  if (matching->on) {
    for (const auto& l : matching->labels) {
      for (const auto& inc : matching->include) {
        if (l == inc) {
          return ErrAt(op_pos,
                       "label " + Quoted(l) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    return ErrAt(lhs->pos.start,
                 "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    return ErrAt(rhs->pos.start,
                 "binary expression must contain only scalar and instant vector types");
  }
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (matching->fill_left || matching->fill_right) {
      return ErrAt(op_pos, "fill modifiers are only allowed between instant vectors");
    }
    if (!matching->labels.empty()) {
      return ErrAt(lhs->pos.start, "vector matching only allowed between instant vectors");
    }
    matching.reset();
  } else if (IsSetOperator(op)) {
    if (matching->card == Cardinality::kOneToMany || matching->card == Cardinality::kManyToOne) {
      return ErrAt(op_pos, "no grouping allowed for " + Quoted(op_name) + " operation");
    }
    if (matching->fill_left || matching->fill_right) {
      return ErrAt(op_pos, "no fill modifiers allowed for " + Quoted(op_name) + " operation");
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(op)) {
    return ErrAt(op_pos,
                 "set operator " + Quoted(op_name) + " not allowed in binary scalar expression");
  }
  auto b = std::make_unique<BinaryExpr>();
  b->op = op;
  b->pos = {lhs->pos.start, rhs->pos.end};
  b->lhs = std::move(lhs);
  b->rhs = std::move(rhs);
  b->return_bool = return_bool;
  b->matching = std::move(matching);
  return ExprPtr(std::move(b));
}

Result<ExprPtr> Parser::CheckUnary(std::unique_ptr<UnaryExpr> u) {
  const ValueType t = u->expr->type();
  if (t != ValueType::kScalar && t != ValueType::kVector) {
    return ErrAt(u->pos.start,
                 "unary expression only allowed on expressions of type scalar or instant vector, "
                 "got " +
                     Quoted(Doc(t)));
  }
  return ExprPtr(std::move(u));
}

Result<ExprPtr> Parser::CheckCall(std::unique_ptr<Call> c) {
  const FunctionInfo& f = *c->func;
  const int nargs = static_cast<int>(f.arg_types.size());
  const int got = static_cast<int>(c->args.size());
  const std::string name = Quoted(f.name);
  if (f.variadic == 0) {
    if (got != nargs) {
      return ErrAt(c->pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " +
                                     name + ", got " + std::to_string(got));
    }
  } else if (got < nargs - 1) {
    return ErrAt(c->pos.start, "expected at least " + std::to_string(nargs - 1) +
                                   " argument(s) in call to " + name + ", got " +
                                   std::to_string(got));
  } else if (f.variadic > 0 && got > nargs - 1 + f.variadic) {
    return ErrAt(c->pos.start, "expected at most " + std::to_string(nargs - 1 + f.variadic) +
                                   " argument(s) in call to " + name + ", got " +
                                   std::to_string(got));
  }
  if (auto ok = CheckExtendedArgs(*c); !ok) return std::unexpected(ok.error());
  for (int i = 0; i < got; ++i) {
    const ValueType want = f.arg_types[std::min(i, nargs - 1)];
    const Expr& arg = *c->args[i];
    if (arg.type() != want) {
      return ErrAt(arg.pos.start, "expected type " + Doc(want) + " in call to function " + name +
                                      ", got " + Doc(arg.type()));
    }
  }
  return ExprPtr(std::move(c));
}

// anchored and smoothed only mean something to the rate-like functions.
Result<bool> Parser::CheckExtendedArgs(const Call& c) {
  const std::string_view name = c.func->name;
  for (const auto& arg : c.args) {
    if (arg->kind != NodeKind::kMatrixSelector) continue;
    const auto& v = *arg->As<MatrixSelector>().selector;
    if (v.anchored && !OneOf(name, {"changes", "delta", "increase", "rate", "resets"})) {
      return ErrAt(arg->pos.start,
                   "anchored modifier can only be used with: changes, delta, increase, rate, "
                   "resets - not with " +
                       std::string(name));
    }
    if (v.smoothed && !OneOf(name, {"delta", "increase", "rate"})) {
      return ErrAt(arg->pos.start,
                   "smoothed modifier can only be used with: delta, increase, "
                   "rate - not with " +
                       std::string(name));
    }
  }
  return true;
}

Result<ExprPtr> Parser::CheckAggregate(std::unique_ptr<AggregateExpr> a,
                                       std::vector<ExprPtr> args) {
  if (args.empty()) return ErrAt(a->pos.start, "no arguments for aggregate expression provided");
  const size_t want = TakesParam(a->op) ? 2 : 1;
  if (args.size() != want) {
    return ErrAt(a->pos.start,
                 "wrong number of arguments for aggregate expression provided, "
                 "expected " +
                     std::to_string(want) + ", got " + std::to_string(args.size()));
  }
  a->expr = std::move(args.back());
  if (want == 2) a->param = std::move(args.front());
  if (a->expr->type() != ValueType::kVector) {
    return ErrAt(
        a->expr->pos.start,
        "expected type instant vector in aggregation expression, got " + Doc(a->expr->type()));
  }
  if (a->param) {
    const ValueType want_param =
        a->op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
    if (a->param->type() != want_param) {
      return ErrAt(a->param->pos.start, "expected type " + Doc(want_param) +
                                            " in aggregation parameter, got " +
                                            Doc(a->param->type()));
    }
  }
  return ExprPtr(std::move(a));
}

Result<bool> Parser::CheckRegex(const std::string& re, int pos) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);  // Prometheus compiles matchers with (?s)
  RE2 compiled("^(?:" + re + ")$", opts);
  if (!compiled.ok()) {
    return ErrAt(pos, "invalid regular expression " + QuoteString(re) + ": " + compiled.error());
  }
  return true;
}

Result<bool> Parser::CheckSelector(const VectorSelector& v, int pos, bool allow_empty) {
  bool non_empty = false;
  for (size_t i = 0; i < v.matchers.size(); ++i) {
    const LabelMatcher& m = v.matchers[i];
    if (i > 0 && !v.name.empty() && m.name == kMetricNameLabel) {
      return ErrAt(
          pos, "metric name must not be set twice: " + Quoted(v.name) + " or " + Quoted(m.value));
    }
    switch (m.type) {
      case MatchType::kEqual:
        non_empty |= !m.value.empty();
        break;
      case MatchType::kNotEqual:
        non_empty |= m.value.empty();
        break;
      case MatchType::kRegexMatch:
      case MatchType::kRegexNoMatch: {
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_dot_nl(true);
        RE2 re("^(?:" + m.value + ")$", opts);
        bool matches_empty = RE2::FullMatch("", re);
        non_empty |= (m.type == MatchType::kRegexMatch) != matches_empty;
        break;
      }
    }
  }
  if (!non_empty && !allow_empty)
    return ErrAt(pos, "vector selector must contain at least one non-empty matcher");
  return true;
}

}  // namespace fw::metrics::promql::internal
