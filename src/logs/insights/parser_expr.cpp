// Expression half of the Logs Insights parser: precedence climbing with one
// function per level, loosest first.
#include <re2/re2.h>

#include <cmath>

#include "common/depth.h"
#include "logs/insights/functions.h"
#include "logs/insights/parser.h"
#include "logs/insights/parser_internal.h"

namespace fw::logs::insights::internal {
namespace {

constexpr std::string_view kReservedWords[] = {"and", "or", "not", "in",  "like",
                                               "as",  "by", "asc", "desc"};

ExprPtr MakeBinary(Op op, ExprPtr l, ExprPtr r, int pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kBinary;
  e->op = op;
  e->pos = pos;
  e->args.push_back(std::move(l));
  e->args.push_back(std::move(r));
  return e;
}

std::optional<Op> ComparisonOp(TokenKind k) {
  switch (k) {
    case TokenKind::kEq:
      return Op::kEq;
    case TokenKind::kNeq:
      return Op::kNeq;
    case TokenKind::kLt:
      return Op::kLt;
    case TokenKind::kLte:
      return Op::kLte;
    case TokenKind::kGt:
      return Op::kGt;
    case TokenKind::kGte:
      return Op::kGte;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::unexpected<Error> Parser::TooDeep(int pos) const {
  return ErrorAt(pos, NestedTooDeep("expression", kMaxExprDepth) + "; simplify the query");
}

Result<ExprPtr> Parser::ParseExpr(AggContext agg) {
  DepthScope scope(depth_);
  if (!scope.Deeper(kMaxExprDepth)) return TooDeep(Peek(LexMode::kOperand).pos);
  return ParseOr(agg);
}

// `operand (keyword operand)*`, left-associative: the shape of or and and.
Result<ExprPtr> Parser::ParseLogical(std::string_view keyword, Op op,
                                     Result<ExprPtr> (Parser::*operand)(AggContext),
                                     AggContext agg) {
  const int start = Peek(LexMode::kOperand).pos;
  DepthScope scope(depth_);
  auto left = (this->*operand)(agg);
  if (!left) return left;
  while (PeekKeyword(keyword)) {
    const int pos = Take().pos;
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(pos);
    auto right = (this->*operand)(agg);
    if (!right) return right;
    left = MakeBinary(op, std::move(*left), std::move(*right), pos);
    (*left)->text = TextFrom(start);
  }
  return left;
}

Result<ExprPtr> Parser::ParseOr(AggContext agg) {
  return ParseLogical("or", Op::kOr, &Parser::ParseAnd, agg);
}

Result<ExprPtr> Parser::ParseAnd(AggContext agg) {
  return ParseLogical("and", Op::kAnd, &Parser::ParseNot, agg);
}

Result<ExprPtr> Parser::ParseNot(AggContext agg) {
  const Token& t = Peek(LexMode::kOperand);
  if (IsKeyword(t, "not") || t.kind == TokenKind::kBang) {
    DepthScope scope(depth_);
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(t.pos);
    const int pos = Take(LexMode::kOperand).pos;
    auto inner = ParseNot(agg);
    if (!inner) return inner;
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kUnary;
    e->op = Op::kNot;
    e->pos = pos;
    e->args.push_back(std::move(*inner));
    e->text = TextFrom(pos);
    return e;
  }
  return ParseComparison(agg);
}

Result<ExprPtr> Parser::ParseComparison(AggContext agg) {
  const int start = Peek(LexMode::kOperand).pos;
  auto left = ParseAdditive(agg);
  if (!left) return left;
  const Token t = Peek();
  Result<ExprPtr> out = std::move(left);
  if (auto op = ComparisonOp(t.kind)) {
    Take();
    auto right = ParseAdditive(agg);
    if (!right) return right;
    out = MakeBinary(*op, std::move(*out), std::move(*right), t.pos);
  } else if (t.kind == TokenKind::kMatch || t.kind == TokenKind::kNotMatch) {
    Take();
    out = ParsePattern(t.kind == TokenKind::kMatch ? Op::kMatch : Op::kNotMatch, std::move(*out));
  } else if (IsKeyword(t, "like")) {
    Take();
    out = ParsePattern(Op::kLike, std::move(*out));
  } else if (IsKeyword(t, "in")) {
    Take();
    auto list = ParseList(agg);
    if (!list) return list;
    out = MakeBinary(Op::kIn, std::move(*out), std::move(*list), t.pos);
  } else if (IsKeyword(t, "not")) {
    // `x not like p` / `x not in [...]`; a lone `not` here is left for the caller to reject.
    const int saved_pos = pos_, saved_end = last_end_;
    Take();
    if (PeekKeyword("like")) {
      Take();
      out = ParsePattern(Op::kNotLike, std::move(*out));
    } else if (PeekKeyword("in")) {
      Take();
      auto list = ParseList(agg);
      if (!list) return list;
      out = MakeBinary(Op::kNotIn, std::move(*out), std::move(*list), t.pos);
    } else {
      pos_ = saved_pos;
      last_end_ = saved_end;
      cached_.reset();
      return out;
    }
  } else {
    return out;
  }
  if (out) (*out)->text = TextFrom(start);
  return out;
}

Result<ExprPtr> Parser::ParsePattern(Op op, ExprPtr left) {
  const int op_pos = Peek(LexMode::kOperand).pos;
  const Token& t = Peek(LexMode::kOperand);
  auto right = std::make_unique<Expr>();
  right->pos = t.pos;
  if (t.kind == TokenKind::kRegex ||
      (t.kind == TokenKind::kString && op != Op::kLike && op != Op::kNotLike)) {
    auto re = CompileRegex(t.text);
    if (!re) return ErrorAt(t.pos, "bad regular expression: " + re.error().message());
    right->kind = ExprKind::kRegex;
    right->re = *re;
    Take(LexMode::kOperand);
    right->text = TextFrom(t.pos);
  } else if (op == Op::kLike || op == Op::kNotLike) {
    // like with a string (or any expression) is a case-sensitive substring test.
    auto e = ParseAdditive(AggContext::kForbidden);
    if (!e) return e;
    right = std::move(*e);
  } else {
    return Unexpected(t, "a /regular expression/ or a string after =~");
  }
  return MakeBinary(op, std::move(left), std::move(right), op_pos);
}

Result<ExprPtr> Parser::ParseList(AggContext agg) {
  auto open = Expect(TokenKind::kLeftBracket, "\"[\" to start a list, as in x in [\"a\", \"b\"]");
  if (!open) return std::unexpected(open.error());
  auto list = std::make_unique<Expr>();
  list->kind = ExprKind::kList;
  list->pos = open->pos;
  if (!Accept(TokenKind::kRightBracket)) {
    do {
      auto item = ParseAdditive(agg);
      if (!item) return item;
      list->args.push_back(std::move(*item));
    } while (Accept(TokenKind::kComma));
    auto close = Expect(TokenKind::kRightBracket, "\",\" or \"]\"");
    if (!close) return std::unexpected(close.error());
  }
  list->text = TextFrom(open->pos);
  return list;
}

Result<ExprPtr> Parser::ParseAdditive(AggContext agg) {
  const int start = Peek(LexMode::kOperand).pos;
  DepthScope scope(depth_);
  auto left = ParseMultiplicative(agg);
  if (!left) return left;
  while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
    const Token op = Take();
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(op.pos);
    auto right = ParseMultiplicative(agg);
    if (!right) return right;
    left = MakeBinary(op.kind == TokenKind::kPlus ? Op::kAdd : Op::kSub, std::move(*left),
                      std::move(*right), op.pos);
    (*left)->text = TextFrom(start);
  }
  return left;
}

Result<ExprPtr> Parser::ParseMultiplicative(AggContext agg) {
  const int start = Peek(LexMode::kOperand).pos;
  DepthScope scope(depth_);
  auto left = ParseUnary(agg);
  if (!left) return left;
  while (true) {
    const TokenKind k = Peek().kind;
    Op op;
    if (k == TokenKind::kStar) {
      op = Op::kMul;
    } else if (k == TokenKind::kSlash) {
      op = Op::kDiv;
    } else if (k == TokenKind::kPercent) {
      op = Op::kMod;
    } else {
      break;
    }
    const int pos = Take().pos;
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(pos);
    auto right = ParseUnary(agg);
    if (!right) return right;
    left = MakeBinary(op, std::move(*left), std::move(*right), pos);
    (*left)->text = TextFrom(start);
  }
  return left;
}

// Unary minus binds looser than ^ (-2^2 is -4) and tighter than * and /.
Result<ExprPtr> Parser::ParseUnary(AggContext agg) {
  const Token& t = Peek(LexMode::kOperand);
  DepthScope scope(depth_);
  if (t.kind == TokenKind::kMinus || t.kind == TokenKind::kPlus) {
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(t.pos);
    const Token sign = Take(LexMode::kOperand);
    auto inner = ParseUnary(agg);
    if (!inner || sign.kind == TokenKind::kPlus) return inner;
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kUnary;
    e->op = Op::kNeg;
    e->pos = sign.pos;
    e->args.push_back(std::move(*inner));
    e->text = TextFrom(sign.pos);
    return e;
  }
  const int start = t.pos;
  auto base = ParsePrimary(agg);
  if (!base) return base;
  if (Peek().kind == TokenKind::kCaret) {
    const int pos = Take().pos;
    if (!scope.Deeper(kMaxExprDepth)) return TooDeep(pos);
    auto exponent = ParseUnary(agg);  // right-associative
    if (!exponent) return exponent;
    auto e = MakeBinary(Op::kPow, std::move(*base), std::move(*exponent), pos);
    e->text = TextFrom(start);
    return e;
  }
  return base;
}

Result<ExprPtr> Parser::ParsePrimary(AggContext agg) {
  const Token t = Take(LexMode::kOperand);
  auto e = std::make_unique<Expr>();
  e->pos = t.pos;
  switch (t.kind) {
    case TokenKind::kNumber:
      e->literal = Value::Number(t.number);
      break;
    case TokenKind::kString:
      e->literal = Value::String(t.text);
      break;
    case TokenKind::kDuration: {
      auto p = MakePeriod(t.number, t.unit);
      if (!p) {
        return ErrorAt(t.pos, "bad period \"" + t.text +
                                  "\": expected a positive amount and a unit (ms, s, m, h, d, w, "
                                  "mo, q, y)");
      }
      e->kind = ExprKind::kDuration;
      e->period = *p;
      e->literal = p->months ? Value() : Value::Number(static_cast<double>(p->ms));
      break;
    }
    case TokenKind::kRegex:
      return ErrorAt(t.pos, "a /regular expression/ can only follow like, =~ or !=~");
    case TokenKind::kLeftParen: {
      auto inner = ParseExpr(agg);
      if (!inner) return inner;
      auto close = Expect(TokenKind::kRightParen, "\")\"");
      if (!close) return std::unexpected(close.error());
      (*inner)->text = TextFrom(t.pos);
      return inner;
    }
    case TokenKind::kIdentifier:
      if (!t.quoted && Peek().kind == TokenKind::kLeftParen) return ParseCall(t, agg);
      if (!t.quoted) {
        for (std::string_view kw : kReservedWords) {
          if (Lower(t.text) == kw) {
            return ErrorAt(t.pos, "expected an expression, got keyword \"" + t.text +
                                      "\" (write `" + t.text + "` for a field of that name)");
          }
        }
      }
      e->kind = ExprKind::kField;
      e->name = t.text;
      break;
    default:
      return Unexpected(t, "an expression");
  }
  e->text = TextFrom(t.pos);
  return e;
}

Result<ExprPtr> Parser::ParseCall(Token name, AggContext agg) {
  auto e = std::make_unique<Expr>();
  e->pos = name.pos;
  e->name = Lower(name.text);
  const auto agg_kind = LookupAggregate(e->name);
  if (agg_kind) {
    if (agg == AggContext::kForbidden) {
      return ErrorAt(name.pos, "aggregate function " + name.text + "() can only be used in stats");
    }
    if (agg == AggContext::kInsideAggregate) {
      return ErrorAt(name.pos, "aggregate functions cannot be nested");
    }
    e->kind = ExprKind::kAggregate;
    e->agg = *agg_kind;
  } else {
    e->function = LookupFunction(e->name);
    if (e->function < 0) return ErrorAt(name.pos, "unknown function \"" + name.text + "\"");
    e->kind = ExprKind::kCall;
  }
  Take();  // (
  const AggContext inner = agg_kind ? AggContext::kInsideAggregate : agg;
  if (Peek(LexMode::kOperand).kind != TokenKind::kRightParen) {
    do {
      // * is read for any aggregate so CheckCall can say that only count() takes it.
      if (e->kind == ExprKind::kAggregate && e->args.empty() &&
          Peek(LexMode::kOperand).kind == TokenKind::kStar) {
        auto star = std::make_unique<Expr>();
        star->kind = ExprKind::kStar;
        star->pos = Take(LexMode::kOperand).pos;
        star->text = "*";
        e->args.push_back(std::move(star));
        continue;
      }
      auto arg = ParseExpr(inner);
      if (!arg) return arg;
      e->args.push_back(std::move(*arg));
    } while (Accept(TokenKind::kComma));
  }
  auto close = Expect(TokenKind::kRightParen, "\",\" or \")\" in the call of " + name.text + "()");
  if (!close) return std::unexpected(close.error());
  e->text = TextFrom(name.pos);
  auto ok = CheckCall(*e);
  if (!ok) return std::unexpected(ok.error());
  if (e->kind == ExprKind::kAggregate && aggregates_) {
    e->slot = static_cast<int>(aggregates_->size());
    aggregates_->push_back(e.get());
  }
  return e;
}

// Arity and argument rules of one call.
Result<void> Parser::CheckCall(Expr& call) {
  const int n = static_cast<int>(call.args.size());
  auto arity_error = [&](const std::string& expected) {
    return ErrorAt(call.pos, call.name + "() takes " + expected + ", got " + std::to_string(n));
  };
  if (call.kind == ExprKind::kAggregate) {
    if (call.agg == AggKind::kCount)
      return n <= 1 ? Result<void>() : arity_error("at most 1 argument");
    for (const ExprPtr& a : call.args) {
      if (a->kind == ExprKind::kStar) return ErrorAt(a->pos, "only count() takes *");
    }
    if (call.agg == AggKind::kPct) {
      if (n != 2) return arity_error("2 arguments (a value and a percentile from 0 to 100)");
      const Expr& p = *call.args[1];
      const auto v = p.literal.AsNumber();
      if (p.kind != ExprKind::kLiteral || !v || *v < 0 || *v > 100) {
        return ErrorAt(p.pos, "the percentile of pct() must be a number from 0 to 100");
      }
      return {};
    }
    return n == 1 ? Result<void>() : arity_error("1 argument");
  }
  const FunctionSpec& f = FunctionAt(call.function);
  if (n < f.min_args || (f.max_args >= 0 && n > f.max_args)) {
    std::string expected = std::to_string(f.min_args);
    if (f.max_args < 0) {
      expected = "at least " + expected;
    } else if (f.max_args != f.min_args) {
      expected += " to " + std::to_string(f.max_args);
    }
    return arity_error(expected +
                       (f.min_args == 1 && f.max_args == 1 ? " argument" : " arguments"));
  }
  if (f.period_arg >= 0 && call.args[f.period_arg]->kind != ExprKind::kDuration) {
    return ErrorAt(call.args[f.period_arg]->pos,
                   call.name + "() needs a period such as 5m or 1h here");
  }
  for (const ExprPtr& a : call.args) {
    if (a->kind == ExprKind::kStar) return ErrorAt(a->pos, "only count() takes *");
  }
  return {};
}

}  // namespace fw::logs::insights::internal
