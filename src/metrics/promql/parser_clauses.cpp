// The bracketed clauses of PromQL: selectors with label matchers, call and
// aggregation argument lists, grouping labels and vector-matching modifiers.
#include "metrics/promql/parser_internal.h"

namespace fw::metrics::promql::internal {

Result<std::vector<std::string>> Parser::ParseLabelList() {
  if (Peek().kind != TokenKind::kLeftParen) return Unexpected("in grouping opts, expected \"(\"");
  Advance();
  std::vector<std::string> labels;
  while (Peek().kind != TokenKind::kRightParen) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kString) {
      return Unexpected("in grouping opts, expected label");
    }
    if (t.kind == TokenKind::kIdentifier && t.text.find(':') != std::string::npos) {
      return ErrAt(t.pos, "invalid label name \"" + t.text + "\" in grouping opts");
    }
    labels.push_back(t.text);
    Advance();
    if (Peek().kind == TokenKind::kComma) {
      Advance();
    } else if (Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in grouping opts, expected \",\" or \")\"");
    }
  }
  Advance();  // )
  return labels;
}

Result<std::vector<ExprPtr>> Parser::ParseArgs(int lenient_arg) {
  auto open = Expect(TokenKind::kLeftParen, "expected \"(\"");
  if (!open) return std::unexpected(open.error());
  std::vector<ExprPtr> args;
  while (Peek().kind != TokenKind::kRightParen) {
    if (static_cast<int>(args.size()) == lenient_arg) lenient_selector_pos_ = Peek().pos;
    auto e = ParseBinary(1);
    if (!e) return std::unexpected(e.error());
    args.push_back(std::move(*e));
    if (Peek().kind == TokenKind::kComma) {
      Advance();  // a trailing comma is allowed, as in Prometheus
    } else if (Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in argument list, expected \",\" or \")\"");
    }
  }
  Advance();  // )
  return args;
}

Result<ExprPtr> Parser::ParseAggregate(AggregateOp op) {
  auto a = std::make_unique<AggregateExpr>();
  a->op = op;
  a->pos.start = Peek().pos;
  Advance();  // the operator
  bool grouped = false;
  auto parse_grouping = [&]() -> Result<bool> {
    if (!PeekKeyword("by") && !PeekKeyword("without")) return false;
    if (grouped) return Unexpected("in aggregation, grouping given twice");
    a->without = PeekKeyword("without");
    Advance();
    auto labels = ParseLabelList();
    if (!labels) return std::unexpected(labels.error());
    a->grouping = std::move(*labels);
    grouped = true;
    return true;
  };
  if (auto g = parse_grouping(); !g) return std::unexpected(g.error());
  if (Peek().kind != TokenKind::kLeftParen) return Unexpected("in aggregation, expected \"(\"");
  auto args = ParseArgs();
  if (!args) return std::unexpected(args.error());
  a->pos.end = toks_[i_ - 1].end;
  if (auto g = parse_grouping(); !g) return std::unexpected(g.error());
  if (grouped) a->pos.end = toks_[i_ - 1].end;
  return CheckAggregate(std::move(a), std::move(*args));
}

Result<ExprPtr> Parser::ParseCall() {
  const Token& name = Peek();
  const FunctionInfo* f = LookupFunction(name.text);
  if (f == nullptr) return ErrAt(name.pos, "unknown function with name \"" + name.text + "\"");
  if (f->experimental && !options_.allow_experimental_functions) {
    return ErrAt(name.pos, "function \"" + name.text + "\" is not enabled");
  }
  auto c = std::make_unique<Call>();
  c->func = f;
  c->pos.start = name.pos;
  Advance();
  auto args = ParseArgs(f->name == "info" ? 1 : -1);
  if (!args) return std::unexpected(args.error());
  c->args = std::move(*args);
  c->pos.end = toks_[i_ - 1].end;
  return CheckCall(std::move(c));
}

Result<std::unique_ptr<VectorSelector>> Parser::ParseSelector() {
  auto v = std::make_unique<VectorSelector>();
  v->pos.start = Peek().pos;
  if (Peek().kind == TokenKind::kIdentifier) {
    v->name = Peek().text;
    Advance();
  }
  if (Peek().kind == TokenKind::kLeftBrace) {
    auto ok = ParseMatchers(*v);
    if (!ok) return std::unexpected(ok.error());
  }
  v->pos.end = toks_[i_ - 1].end;
  if (!v->name.empty()) {
    v->matchers.insert(v->matchers.begin(),
                       LabelMatcher{MatchType::kEqual, kMetricNameLabel, v->name});
  }
  auto ok = CheckSelector(*v, v->pos.start, v->pos.start == lenient_selector_pos_);
  if (!ok) return std::unexpected(ok.error());
  return v;
}

// Parses `{...}` into v.matchers; a bare quoted string names the metric
// (Prometheus 3 UTF-8 syntax: {"my.metric", job="x"}).
Result<bool> Parser::ParseMatchers(VectorSelector& v) {
  Advance();  // {
  while (Peek().kind != TokenKind::kRightBrace) {
    const Token& name = Peek();
    if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kString) {
      return Unexpected("in label matching, expected label name");
    }
    Advance();
    const TokenKind next = Peek().kind;
    if (name.kind == TokenKind::kString &&
        (next == TokenKind::kComma || next == TokenKind::kRightBrace)) {
      if (!v.name.empty()) {
        return ErrAt(name.pos, "metric name must not be set twice: \"" + v.name + "\" or \"" +
                                   name.text + "\"");
      }
      v.name = name.text;
    } else {
      LabelMatcher m{MatchType::kEqual, name.text, ""};
      switch (next) {
        case TokenKind::kAssign:
          m.type = MatchType::kEqual;
          break;
        case TokenKind::kNeq:
          m.type = MatchType::kNotEqual;
          break;
        case TokenKind::kEqlRegex:
          m.type = MatchType::kRegexMatch;
          break;
        case TokenKind::kNeqRegex:
          m.type = MatchType::kRegexNoMatch;
          break;
        default:
          return Unexpected("in label matching, expected label matching operator");
      }
      Advance();
      if (Peek().kind != TokenKind::kString)
        return Unexpected("in label matching, expected string");
      m.value = Peek().text;
      if (m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch) {
        auto ok = CheckRegex(m.value, Peek().pos);
        if (!ok) return ok;
      }
      Advance();
      v.matchers.push_back(std::move(m));
    }
    if (Peek().kind == TokenKind::kComma) {
      Advance();
    } else if (Peek().kind != TokenKind::kRightBrace) {
      return Unexpected("in label matching, expected \",\" or \"}\"");
    }
  }
  Advance();  // }
  return true;
}

Result<VectorMatching> Parser::ParseMatchingModifiers(bool& return_bool) {
  VectorMatching m;
  if (PeekKeyword("bool")) {
    return_bool = true;
    Advance();
  }
  if (PeekKeyword("on") || PeekKeyword("ignoring")) {
    m.on = PeekKeyword("on");
    Advance();
    auto labels = ParseLabelList();
    if (!labels) return std::unexpected(labels.error());
    m.labels = std::move(*labels);
    if (PeekKeyword("group_left") || PeekKeyword("group_right")) {
      m.card = PeekKeyword("group_left") ? Cardinality::kManyToOne : Cardinality::kOneToMany;
      Advance();
      if (Peek().kind == TokenKind::kLeftParen) {
        auto include = ParseLabelList();
        if (!include) return std::unexpected(include.error());
        m.include = std::move(*include);
      }
    }
  }
  auto ok = ParseFillModifiers(m);
  if (!ok) return std::unexpected(ok.error());
  return m;
}

// fill(v), fill_left(v), fill_right(v): `fill` not followed by "(" is a
// metric name (`a + fill`), so look two tokens ahead.
Result<bool> Parser::ParseFillModifiers(VectorMatching& m) {
  while ((PeekKeyword("fill") || PeekKeyword("fill_left") || PeekKeyword("fill_right")) &&
         Peek(1).kind == TokenKind::kLeftParen) {
    const std::string which = Peek().text;
    const int pos = Peek().pos;
    i_ += 2;
    double sign = 1;
    if (AcceptKind(TokenKind::kSub))
      sign = -1;
    else
      AcceptKind(TokenKind::kAdd);
    double v = 0;
    if (Peek().kind == TokenKind::kNumber)
      v = Peek().number;
    else if (IsKeyword(Peek(), "inf") || IsKeyword(Peek(), "nan"))
      v = *ParseNumberLiteral(Peek().text);
    else
      return Unexpected("in " + which + "(), expected number");
    Advance();
    auto close = Expect(TokenKind::kRightParen, "in " + which + "(), expected \")\"");
    if (!close) return std::unexpected(close.error());
    const bool left = which != "fill_right", right = which != "fill_left";
    if ((left && m.fill_left) || (right && m.fill_right)) {
      return ErrAt(pos, "fill value may not be set multiple times");
    }
    if (left) m.fill_left = sign * v;
    if (right) m.fill_right = sign * v;
  }
  return true;
}

}  // namespace fw::metrics::promql::internal
