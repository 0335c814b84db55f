// Syntax half of the PromQL parser: precedence climbing over the token
// vector. Type rules live in parser_check.cpp.
#include "metrics/promql/parser.h"

#include <cctype>
#include <cmath>

#include "common/depth.h"
#include "common/duration.h"
#include "metrics/promql/parser_internal.h"

namespace fw::metrics::promql {
namespace internal {
namespace {

constexpr int kPowPrecedence = 6;

// Words that cannot start an expression or name a metric.
constexpr std::string_view kReserved[] = {
    "by",     "without", "on",  "ignoring", "group_left", "group_right",
    "offset", "bool",    "and", "or",       "unless",     "atan2",
};

std::optional<BinaryOp> BinaryOpOf(const Token& t) {
  if (auto op = ArithmeticOp(t.kind)) return op;
  switch (t.kind) {
    case TokenKind::kEql:
      return BinaryOp::kEql;
    case TokenKind::kNeq:
      return BinaryOp::kNeq;
    case TokenKind::kGtr:
      return BinaryOp::kGtr;
    case TokenKind::kLss:
      return BinaryOp::kLss;
    case TokenKind::kGte:
      return BinaryOp::kGte;
    case TokenKind::kLte:
      return BinaryOp::kLte;
    case TokenKind::kIdentifier:
      if (IsKeyword(t, "and")) return BinaryOp::kAnd;
      if (IsKeyword(t, "or")) return BinaryOp::kOr;
      if (IsKeyword(t, "unless")) return BinaryOp::kUnless;
      if (IsKeyword(t, "atan2")) return BinaryOp::kAtan2;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

int Precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kAtan2:
      return 5;
    case BinaryOp::kPow:
      return kPowPrecedence;
    default:
      return 3;  // comparisons
  }
}

bool IsReserved(const Token& t) {
  for (auto kw : kReserved) {
    if (IsKeyword(t, kw)) return true;
  }
  return false;
}

}  // namespace

std::optional<BinaryOp> ArithmeticOp(TokenKind k) {
  switch (k) {
    case TokenKind::kAdd:
      return BinaryOp::kAdd;
    case TokenKind::kSub:
      return BinaryOp::kSub;
    case TokenKind::kMul:
      return BinaryOp::kMul;
    case TokenKind::kDiv:
      return BinaryOp::kDiv;
    case TokenKind::kMod:
      return BinaryOp::kMod;
    case TokenKind::kPow:
      return BinaryOp::kPow;
    default:
      return std::nullopt;
  }
}

bool IsKeyword(const Token& t, std::string_view kw) {
  if (t.kind != TokenKind::kIdentifier || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t.text[i])) != kw[i]) return false;
  }
  return true;
}

const Token& Parser::Peek(int ahead) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }

const Token& Parser::Advance() {
  const Token& t = toks_[i_];
  if (i_ + 1 < toks_.size()) ++i_;
  return t;
}

bool Parser::PeekKeyword(std::string_view kw, int ahead) const {
  return IsKeyword(Peek(ahead), kw);
}

bool Parser::AcceptKind(TokenKind k) {
  if (Peek().kind != k) return false;
  Advance();
  return true;
}

Result<Token> Parser::Expect(TokenKind k, std::string_view context) {
  if (Peek().kind != k) return Unexpected(context);
  return Advance();
}

std::unexpected<Error> Parser::ErrAt(int pos, std::string msg) const {
  return Fail(ErrorCode::kInvalidArgument, std::move(msg), LocationOf(query_, pos));
}

std::unexpected<Error> Parser::Unexpected(std::string_view context) const {
  std::string msg = "unexpected " + Describe(Peek());
  if (!context.empty()) msg += " " + std::string(context);
  return ErrAt(Peek().pos, msg);
}

std::unexpected<Error> Parser::TooDeep(int pos) const {
  return ErrAt(pos, NestedTooDeep("expression", options_.max_depth) + "; simplify the query");
}

Result<ExprPtr> Parser::ParseAll() {
  if (Peek().kind == TokenKind::kEof) return ErrAt(0, "no expression found in input");
  auto e = ParseBinary(1);
  if (!e) return e;
  if (Peek().kind != TokenKind::kEof) {
    if (Peek().kind == TokenKind::kRightParen)
      return ErrAt(Peek().pos, "unexpected right parenthesis ')'");
    return Unexpected("after expression");
  }
  return e;
}

Result<std::unique_ptr<VectorSelector>> Parser::ParseSelectorOnly() {
  if (Peek().kind != TokenKind::kIdentifier && Peek().kind != TokenKind::kLeftBrace) {
    return Unexpected("in series selector, expected metric name or \"{\"");
  }
  auto v = ParseSelector();
  if (!v) return v;
  if (Peek().kind != TokenKind::kEof) return Unexpected("after series selector");
  return v;
}

Result<ExprPtr> Parser::ParseBinary(int min_prec) {
  // Every recursion of the expression grammar passes here: parentheses,
  // unary signs, call arguments, aggregations, subqueries.
  DepthScope scope(depth_);
  if (!scope.Deeper(options_.max_depth)) return TooDeep(Peek().pos);
  auto lhs = ParseUnary();
  if (!lhs) return lhs;
  while (true) {
    auto op = BinaryOpOf(Peek());
    if (!op || Precedence(*op) < min_prec) break;
    const int op_pos = Peek().pos;
    // a + b + c ... nests the left side once more per operator.
    if (!scope.Deeper(options_.max_depth)) return TooDeep(op_pos);
    Advance();
    bool return_bool = false;
    auto matching = ParseMatchingModifiers(return_bool);
    if (!matching) return std::unexpected(matching.error());
    const int prec = Precedence(*op);
    auto rhs = ParseBinary(*op == BinaryOp::kPow ? prec : prec + 1);
    if (!rhs) return rhs;
    lhs = MakeBinary(*op, std::move(*lhs), std::move(*rhs), return_bool, std::move(*matching),
                     op_pos);
    if (!lhs) return lhs;
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseUnary() {
  const Token& t = Peek();
  if (t.kind != TokenKind::kAdd && t.kind != TokenKind::kSub) return ParsePrimary();
  const int pos = t.pos;
  const BinaryOp op = t.kind == TokenKind::kAdd ? BinaryOp::kAdd : BinaryOp::kSub;
  Advance();
  auto operand = ParseBinary(kPowPrecedence);
  if (!operand) return operand;
  if ((*operand)->kind == NodeKind::kNumber) {
    // Prometheus folds the sign into the literal: `-1` prints as -1.
    auto& n = (*operand)->As<NumberLiteral>();
    if (op == BinaryOp::kSub) n.value = -n.value;
    n.pos.start = pos;
    return operand;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->op = op;
  u->pos = {pos, (*operand)->pos.end};
  u->expr = std::move(*operand);
  return CheckUnary(std::move(u));
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  ExprPtr e;
  switch (t.kind) {
    case TokenKind::kNumber:
    case TokenKind::kDuration: {
      auto n = std::make_unique<NumberLiteral>();
      n->written_as_duration = t.kind == TokenKind::kDuration;
      n->value = n->written_as_duration ? static_cast<double>(t.millis) / 1000.0 : t.number;
      n->pos = {t.pos, t.end};
      Advance();
      e = std::move(n);
      break;
    }
    case TokenKind::kString: {
      auto s = std::make_unique<StringLiteral>();
      s->value = t.text;
      s->pos = {t.pos, t.end};
      Advance();
      e = std::move(s);
      break;
    }
    case TokenKind::kLeftParen: {
      const int start = t.pos;
      Advance();
      auto inner = ParseBinary(1);
      if (!inner) return inner;
      auto close = Expect(TokenKind::kRightParen, "in parenthesized expression, expected \")\"");
      if (!close) return std::unexpected(close.error());
      auto p = std::make_unique<ParenExpr>();
      p->expr = std::move(*inner);
      p->pos = {start, close->end};
      e = std::move(p);
      break;
    }
    case TokenKind::kLeftBrace: {
      auto v = ParseSelector();
      if (!v) return std::unexpected(v.error());
      e = std::move(*v);
      break;
    }
    case TokenKind::kIdentifier: {
      auto r = ParseIdentifierExpr();
      if (!r) return r;
      e = std::move(*r);
      break;
    }
    case TokenKind::kEof:
      return ErrAt(t.pos, "unexpected end of input");
    default:
      return Unexpected("");
  }
  return ParsePostfix(std::move(e));
}

Result<ExprPtr> Parser::ParseIdentifierExpr() {
  const Token& t = Peek();
  std::string lower;
  for (char c : t.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "nan") {
    auto n = std::make_unique<NumberLiteral>();
    n->value = *ParseNumberLiteral(lower);
    n->pos = {t.pos, t.end};
    Advance();
    return n;
  }
  if (auto agg = LookupAggregateOp(t.text)) {
    if (Peek(1).kind == TokenKind::kLeftParen || PeekKeyword("by", 1) ||
        PeekKeyword("without", 1)) {
      return ParseAggregate(*agg);
    }
  }
  if (Peek(1).kind == TokenKind::kLeftParen) return ParseCall();
  if (IsReserved(t)) return Unexpected("");
  auto v = ParseSelector();
  if (!v) return std::unexpected(v.error());
  return ExprPtr(std::move(*v));
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr e) {
  DepthScope scope(depth_);
  while (true) {
    const int pos = Peek().pos;
    Result<ExprPtr> r;
    if (Peek().kind == TokenKind::kLeftBracket) {
      r = ParseRangeOrSubquery(std::move(e));
    } else if (PeekKeyword("offset")) {
      r = ParseOffset(std::move(e));
    } else if (Peek().kind == TokenKind::kAt) {
      r = ParseAt(std::move(e));
    } else if ((PeekKeyword("anchored") || PeekKeyword("smoothed")) &&
               (e->kind == NodeKind::kVectorSelector || e->kind == NodeKind::kMatrixSelector)) {
      r = ParseExtendedModifier(std::move(e));
    } else {
      return e;
    }
    if (!r) return r;
    // x[1m:][1m:]... nests once more per modifier.
    if (!scope.Deeper(options_.max_depth)) return TooDeep(pos);
    e = std::move(*r);
  }
}

Result<ExprPtr> Parser::ParseRangeOrSubquery(ExprPtr e) {
  const int open = Peek().pos;
  Advance();  // [
  auto range = ParseDurationExpr("range");
  if (!range) return std::unexpected(range.error());
  if (!range->expr && range->ms <= 0) return ErrAt(open + 1, "range must be greater than 0");
  if (AcceptKind(TokenKind::kColon)) return MakeSubquery(std::move(e), std::move(*range));
  auto close = Expect(TokenKind::kRightBracket, "in range selector, expected \"]\" or \":\"");
  if (!close) return std::unexpected(close.error());
  if (e->kind != NodeKind::kVectorSelector) {
    return ErrAt(e->pos.start, "ranges only allowed for vector selectors");
  }
  auto& vs = e->As<VectorSelector>();
  if (vs.offset_ms != 0 || vs.offset_expr) {
    return ErrAt(open, "no offset modifiers allowed before range");
  }
  if (vs.at.kind != AtKind::kNone) return ErrAt(open, "no @ modifiers allowed before range");
  auto m = std::make_unique<MatrixSelector>();
  m->pos = {e->pos.start, close->end};
  m->selector.reset(static_cast<VectorSelector*>(e.release()));
  m->range_ms = range->ms;
  m->range_expr = std::move(range->expr);
  return ExprPtr(std::move(m));
}

// After `expr[range:`; parses the optional step and the closing bracket.
Result<ExprPtr> Parser::MakeSubquery(ExprPtr e, Duration range) {
  Duration step;
  if (Peek().kind != TokenKind::kRightBracket) {
    const int pos = Peek().pos;
    auto s = ParseDurationExpr("subquery step");
    if (!s) return std::unexpected(s.error());
    if (!s->expr && s->ms <= 0) return ErrAt(pos, "subquery step must be greater than 0");
    step = std::move(*s);
  }
  auto close = Expect(TokenKind::kRightBracket, "in subquery selector, expected \"]\"");
  if (!close) return std::unexpected(close.error());
  if (e->type() != ValueType::kVector) {
    return ErrAt(e->pos.start, "subquery is only allowed on instant vector, got " +
                                   std::string(DocumentedName(e->type())) + " instead");
  }
  auto sq = std::make_unique<SubqueryExpr>();
  sq->pos = {e->pos.start, close->end};
  sq->expr = std::move(e);
  sq->range_ms = range.ms;
  sq->range_expr = std::move(range.expr);
  sq->step_ms = step.ms;
  sq->step_expr = std::move(step.expr);
  return ExprPtr(std::move(sq));
}

Result<ExprPtr> Parser::ParseOffset(ExprPtr e) {
  const int pos = Peek().pos;
  Advance();  // offset
  // Only an atom (literal, call or parenthesized expression) binds to the
  // offset: `x offset 1m * 2` multiplies the selected values by 2.
  auto d = ParseDurationAtom("offset");
  if (!d) return std::unexpected(d.error());
  int64_t* target = nullptr;
  ExprPtr* target_expr = nullptr;
  switch (e->kind) {
    case NodeKind::kVectorSelector:
      target = &e->As<VectorSelector>().offset_ms;
      target_expr = &e->As<VectorSelector>().offset_expr;
      break;
    case NodeKind::kMatrixSelector:
      target = &e->As<MatrixSelector>().selector->offset_ms;
      target_expr = &e->As<MatrixSelector>().selector->offset_expr;
      break;
    case NodeKind::kSubquery:
      target = &e->As<SubqueryExpr>().offset_ms;
      target_expr = &e->As<SubqueryExpr>().offset_expr;
      break;
    default:
      return ErrAt(pos,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
  }
  if (*target != 0 || *target_expr) return ErrAt(pos, "offset may not be set multiple times");
  *target = d->ms;
  *target_expr = std::move(d->expr);
  e->pos.end = toks_[i_ - 1].end;
  return e;
}

Result<ExprPtr> Parser::ParseAt(ExprPtr e) {
  const int pos = Peek().pos;
  Advance();  // @
  AtModifier at;
  if ((PeekKeyword("start") || PeekKeyword("end")) && Peek(1).kind == TokenKind::kLeftParen &&
      Peek(2).kind == TokenKind::kRightParen) {
    at.kind = PeekKeyword("start") ? AtKind::kStart : AtKind::kEnd;
    i_ += 3;
  } else {
    double sign = 1;
    if (AcceptKind(TokenKind::kSub))
      sign = -1;
    else
      AcceptKind(TokenKind::kAdd);
    const Token& t = Peek();
    double seconds = 0;
    if (IsKeyword(t, "inf") || IsKeyword(t, "nan"))
      seconds = *ParseNumberLiteral(t.text);
    else if (t.kind == TokenKind::kNumber)
      seconds = t.number;
    else if (t.kind == TokenKind::kDuration)
      seconds = static_cast<double>(t.millis) / 1000.0;
    else
      return Unexpected("in @, expected timestamp, start() or end()");
    Advance();
    seconds *= sign;
    if (!std::isfinite(seconds) || std::abs(seconds) > 9.2e15) {
      return ErrAt(t.pos, "timestamp out of bounds for @ modifier: " + FormatFloat(seconds));
    }
    at.kind = AtKind::kTimestamp;
    at.timestamp_ms = std::llround(seconds * 1000);
  }
  AtModifier* target = nullptr;
  switch (e->kind) {
    case NodeKind::kVectorSelector:
      target = &e->As<VectorSelector>().at;
      break;
    case NodeKind::kMatrixSelector:
      target = &e->As<MatrixSelector>().selector->at;
      break;
    case NodeKind::kSubquery:
      target = &e->As<SubqueryExpr>().at;
      break;
    default:
      return ErrAt(pos,
                   "@ modifier must be preceded by an instant vector selector or range vector "
                   "selector or a subquery");
  }
  if (target->kind != AtKind::kNone)
    return ErrAt(pos, "@ <timestamp> may not be set multiple times");
  *target = at;
  e->pos.end = toks_[i_ - 1].end;
  return e;
}

Result<ExprPtr> Parser::ParseExtendedModifier(ExprPtr e) {
  auto& v = e->kind == NodeKind::kVectorSelector ? e->As<VectorSelector>()
                                                 : *e->As<MatrixSelector>().selector;
  if (v.anchored || v.smoothed) return Unexpected("after anchored or smoothed modifier");
  (PeekKeyword("anchored") ? v.anchored : v.smoothed) = true;
  e->pos.end = Advance().end;
  return e;
}

}  // namespace internal

Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options) {
  auto tokens = Lex(query);
  if (!tokens) return std::unexpected(tokens.error());
  internal::Parser p(query, std::move(*tokens), options);
  return p.ParseAll();
}

Result<std::unique_ptr<VectorSelector>> ParseSeriesSelector(std::string_view selector) {
  auto tokens = Lex(selector);
  if (!tokens) return std::unexpected(tokens.error());
  internal::Parser p(selector, std::move(*tokens), ParseOptions{});
  return p.ParseSelectorOnly();
}

Result<int64_t> ParseDurationPromql(std::string_view text) {
  std::string_view t = text;
  bool neg = !t.empty() && t[0] == '-';
  if (neg) t.remove_prefix(1);
  int64_t ms = 0;
  if (auto d = ParseDuration(t)) {
    ms = d->count();
  } else if (auto n = ParseNumberLiteral(t); n && std::isfinite(*n) && *n >= 0 && *n < 9.2e15) {
    ms = std::llround(*n * 1000);
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "invalid duration \"" + std::string(text) +
                    "\": expected e.g. 5m, 1h30m, 250ms or a number of seconds");
  }
  return neg ? -ms : ms;
}

}  // namespace fw::metrics::promql
