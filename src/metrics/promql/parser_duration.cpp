// Duration expressions (Prometheus's promql-duration-expr feature): ranges,
// subquery steps and offsets written as arithmetic, e.g. `x[5m+1m]`,
// `x[step()*2:]`, `x offset (2*3s)`. Numbers are seconds. Constant ones are
// folded here; ones using step() or range() are resolved per query.
#include <cctype>
#include <cmath>

#include "common/depth.h"
#include "metrics/promql/parser_internal.h"

namespace fw::metrics::promql {
namespace {

constexpr int kDurPowPrecedence = 3;

int DurPrecedence(BinaryOp op) {
  if (op == BinaryOp::kAdd || op == BinaryOp::kSub) return 1;
  if (op == BinaryOp::kPow) return kDurPowPrecedence;
  return 2;
}

// Value in seconds of a duration expression; `step` and `range` are the
// query's (seconds), or nullopt to mean "unknown": the result is then
// nullopt when the expression needs them.
std::optional<double> EvalSeconds(const Expr& e, std::optional<double> step,
                                  std::optional<double> range) {
  switch (e.kind) {
    case NodeKind::kNumber:
      return e.As<NumberLiteral>().value;
    case NodeKind::kParen:
      return EvalSeconds(*e.As<ParenExpr>().expr, step, range);
    case NodeKind::kUnary: {
      auto v = EvalSeconds(*e.As<UnaryExpr>().expr, step, range);
      if (!v) return v;
      return e.As<UnaryExpr>().op == BinaryOp::kSub ? -*v : *v;
    }
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      auto l = EvalSeconds(*b.lhs, step, range);
      auto r = EvalSeconds(*b.rhs, step, range);
      if (!l || !r) return std::nullopt;
      switch (b.op) {
        case BinaryOp::kAdd:
          return *l + *r;
        case BinaryOp::kSub:
          return *l - *r;
        case BinaryOp::kMul:
          return *l * *r;
        case BinaryOp::kDiv:
          return *l / *r;
        case BinaryOp::kMod:
          return std::fmod(*l, *r);
        case BinaryOp::kPow:
          return std::pow(*l, *r);
        default:
          return std::nullopt;
      }
    }
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      if (c.func->name == "step") return step;
      if (c.func->name == "range") return range;
      auto a = EvalSeconds(*c.args[0], step, range);
      auto b = EvalSeconds(*c.args[1], step, range);
      if (!a || !b) return std::nullopt;
      if (std::isnan(*a) || std::isnan(*b)) return std::nan("");
      return c.func->name == "min_of" ? std::min(*a, *b) : std::max(*a, *b);
    }
    default:
      return std::nullopt;
  }
}

// The longest duration the lexer reads (common/duration.cpp: 100 years). A
// duration given in seconds may not exceed it either, else it would print
// (Format) as a duration that does not parse back (found by fuzzing).
constexpr double kMaxDurationSeconds = 100.0 * 365 * 24 * 3600;

Result<int64_t> ToMillis(double seconds, std::string_view what) {
  if (!std::isfinite(seconds)) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is not a finite duration: " + FormatFloat(seconds));
  }
  if (std::abs(seconds) > kMaxDurationSeconds) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " of " + FormatFloat(seconds) +
                                                 "s is out of range (at most 100 years)");
  }
  return std::llround(seconds * 1000);
}

}  // namespace

namespace internal {

Result<Parser::Duration> Parser::FinishDuration(ExprPtr e, std::string_view what) {
  auto seconds = EvalSeconds(*e, std::nullopt, std::nullopt);
  if (!seconds) return Duration{0, std::move(e)};
  auto ms = ToMillis(*seconds, what);
  if (!ms) return ErrAt(e->pos.start, ms.error().message());
  return Duration{*ms, nullptr};
}

Result<Parser::Duration> Parser::ParseDurationExpr(std::string_view what) {
  if (Peek().kind == TokenKind::kRightBracket || Peek().kind == TokenKind::kColon) {
    return Unexpected("in " + std::string(what) + ", expected duration");
  }
  auto e = ParseDurBinary(1);
  if (!e) return std::unexpected(e.error());
  return FinishDuration(std::move(*e), what);
}

Result<Parser::Duration> Parser::ParseDurationAtom(std::string_view what) {
  const int pos = Peek().pos;
  const bool negative = Peek().kind == TokenKind::kSub;
  if (negative || Peek().kind == TokenKind::kAdd) Advance();
  auto e = ParseDurPrimary();
  if (!e) return std::unexpected(e.error());
  if (negative && (*e)->kind == NodeKind::kNumber) {
    (*e)->As<NumberLiteral>().value *= -1;
  } else if (negative) {
    auto u = std::make_unique<UnaryExpr>();
    u->op = BinaryOp::kSub;
    u->pos = {pos, (*e)->pos.end};
    u->expr = std::move(*e);
    *e = std::move(u);
  }
  return FinishDuration(std::move(*e), what);
}

Result<ExprPtr> Parser::ParseDurBinary(int min_prec) {
  DepthScope scope(depth_);
  if (!scope.Deeper(options_.max_depth)) return TooDeep(Peek().pos);
  auto lhs = ParseDurUnary();
  if (!lhs) return lhs;
  while (auto op = ArithmeticOp(Peek().kind)) {
    const int prec = DurPrecedence(*op);
    if (prec < min_prec) break;
    const int op_pos = Peek().pos;
    if (!scope.Deeper(options_.max_depth)) return TooDeep(op_pos);
    Advance();
    auto rhs = ParseDurBinary(*op == BinaryOp::kPow ? prec : prec + 1);
    if (!rhs) return rhs;
    lhs = MakeBinary(*op, std::move(*lhs), std::move(*rhs), false, VectorMatching{}, op_pos);
    if (!lhs) return lhs;
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseDurUnary() {
  const Token& t = Peek();
  if (t.kind != TokenKind::kAdd && t.kind != TokenKind::kSub) return ParseDurPrimary();
  const int pos = t.pos;
  const bool negative = t.kind == TokenKind::kSub;
  Advance();
  auto operand = ParseDurBinary(kDurPowPrecedence);
  if (!operand) return operand;
  if ((*operand)->kind == NodeKind::kNumber) {
    if (negative) (*operand)->As<NumberLiteral>().value *= -1;
    (*operand)->pos.start = pos;
    return operand;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->op = negative ? BinaryOp::kSub : BinaryOp::kAdd;
  u->pos = {pos, (*operand)->pos.end};
  u->expr = std::move(*operand);
  return ExprPtr(std::move(u));
}

Result<ExprPtr> Parser::ParseDurPrimary() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kDuration) {
    auto n = std::make_unique<NumberLiteral>();
    n->written_as_duration = t.kind == TokenKind::kDuration;
    n->value = n->written_as_duration ? static_cast<double>(t.millis) / 1000.0 : t.number;
    n->pos = {t.pos, t.end};
    Advance();
    return ExprPtr(std::move(n));
  }
  if (t.kind == TokenKind::kLeftParen) {
    const int start = t.pos;
    Advance();
    auto inner = ParseDurBinary(1);
    if (!inner) return inner;
    auto close = Expect(TokenKind::kRightParen, "in duration expression, expected \")\"");
    if (!close) return std::unexpected(close.error());
    auto p = std::make_unique<ParenExpr>();
    p->expr = std::move(*inner);
    p->pos = {start, close->end};
    return ExprPtr(std::move(p));
  }
  std::string name;
  for (char c : t.text) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool known = name == "step" || name == "range" || name == "min_of" || name == "max_of";
  if (t.kind != TokenKind::kIdentifier || !known || Peek(1).kind != TokenKind::kLeftParen) {
    return Unexpected("in duration expression");
  }
  auto c = std::make_unique<Call>();
  c->func = LookupFunction(name);
  c->pos.start = t.pos;
  Advance();
  Advance();  // (
  while (Peek().kind != TokenKind::kRightParen) {
    auto arg = ParseDurBinary(1);
    if (!arg) return arg;
    c->args.push_back(std::move(*arg));
    if (!AcceptKind(TokenKind::kComma) && Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in duration expression, expected \",\" or \")\"");
    }
  }
  c->pos.end = Advance().end;
  return CheckCall(std::move(c));
}

}  // namespace internal

Result<bool> ResolveDurations(Expr& e, int64_t step_ms, int64_t range_ms) {
  const double step = static_cast<double>(step_ms) / 1000.0;
  const double range = static_cast<double>(range_ms) / 1000.0;
  auto resolve = [&](const ExprPtr& expr, int64_t& out, std::string_view what) -> Result<bool> {
    if (!expr) return true;
    auto ms = ToMillis(*EvalSeconds(*expr, step, range), what);
    if (!ms) return std::unexpected(ms.error());
    out = *ms;
    return true;
  };
  Result<bool> ok = true;
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      auto& v = e.As<VectorSelector>();
      ok = resolve(v.offset_expr, v.offset_ms, "offset");
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto& m = e.As<MatrixSelector>();
      ok = resolve(m.range_expr, m.range_ms, "range");
      if (ok && m.range_ms <= 0 && m.range_expr) {
        ok = Fail(ErrorCode::kInvalidArgument, "range must be greater than 0");
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto& s = e.As<SubqueryExpr>();
      ok = resolve(s.range_expr, s.range_ms, "subquery range");
      if (ok) ok = resolve(s.step_expr, s.step_ms, "subquery step");
      if (ok) ok = resolve(s.offset_expr, s.offset_ms, "offset");
      break;
    }
    default:
      break;
  }
  if (!ok) return ok;
  for (const Expr* child : Children(e)) {
    auto r = ResolveDurations(const_cast<Expr&>(*child), step_ms, range_ms);
    if (!r) return r;
  }
  return true;
}

}  // namespace fw::metrics::promql
