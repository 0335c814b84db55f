// Command half of the Logs Insights parser; expressions are in parser_expr.cpp.
#include "logs/insights/parser.h"

#include <re2/re2.h>

#include <cctype>
#include <cmath>

#include "logs/insights/parser_internal.h"

namespace fw::logs::insights {
namespace internal {
namespace {

struct CommandName {
  const char* name;
  CommandKind kind;
};
constexpr CommandName kCommands[] = {
    {"fields", CommandKind::kFields},   {"display", CommandKind::kDisplay},
    {"filter", CommandKind::kFilter},   {"stats", CommandKind::kStats},
    {"sort", CommandKind::kSort},       {"limit", CommandKind::kLimit},
    {"parse", CommandKind::kParse},     {"dedup", CommandKind::kDedup},
    {"pattern", CommandKind::kPattern}, {"diff", CommandKind::kDiff},
};

// Words that end a list item or start a clause, so they cannot name a field
// without backquotes.
constexpr std::string_view kReserved[] = {"and", "or", "not", "in",  "like",
                                          "as",  "by", "asc", "desc"};

// Translates a parse glob into a regex: literal text quoted, each * a lazy
// capture, except a trailing * which takes the rest of the value.
std::string GlobToRegex(const std::string& glob, int& stars) {
  std::string re = "(?s)";
  std::string literal;
  stars = 0;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] != '*') {
      literal += glob[i];
      continue;
    }
    re += RE2::QuoteMeta(literal);
    literal.clear();
    re += i + 1 == glob.size() ? "(.*)" : "(.*?)";
    ++stars;
  }
  return re + RE2::QuoteMeta(literal);
}

}  // namespace

bool IsKeyword(const Token& t, std::string_view kw) {
  return t.kind == TokenKind::kIdentifier && !t.quoted && Lower(t.text) == kw;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Token& Parser::Peek(LexMode mode) {
  if (cached_ && cached_mode_ == mode) return *cached_;
  auto t = LexAt(q_, pos_, mode);
  if (t) {
    cached_ = std::move(*t);
  } else {
    Token bad;
    bad.kind = TokenKind::kInvalid;
    bad.pos = bad.end = pos_;
    cached_ = bad;
    lex_error_ = t.error();
  }
  cached_mode_ = mode;
  return *cached_;
}

Token Parser::Take(LexMode mode) {
  Token t = Peek(mode);
  if (t.kind != TokenKind::kInvalid && t.kind != TokenKind::kEof) {
    pos_ = t.end;
    last_end_ = t.end;
  }
  cached_.reset();
  return t;
}

bool Parser::PeekKeyword(std::string_view kw) { return IsKeyword(Peek(), kw); }

bool Parser::AcceptKeyword(std::string_view kw) {
  if (!PeekKeyword(kw)) return false;
  Take();
  return true;
}

bool Parser::Accept(TokenKind k) {
  if (Peek().kind != k) return false;
  Take();
  return true;
}

Result<Token> Parser::Expect(TokenKind k, const std::string& what) {
  const Token& t = Peek(k == TokenKind::kRegex ? LexMode::kOperand : LexMode::kOperator);
  if (t.kind != k) return Unexpected(t, what);
  return Take(k == TokenKind::kRegex ? LexMode::kOperand : LexMode::kOperator);
}

std::unexpected<Error> Parser::Unexpected(const Token& t, const std::string& expected) {
  if (t.kind == TokenKind::kInvalid && lex_error_) return std::unexpected(*lex_error_);
  return ErrorAt(t.pos, "expected " + expected + ", got " + Describe(t));
}

std::unexpected<Error> Parser::ErrorAt(int pos, const std::string& message) const {
  return std::unexpected(QueryError(q_, pos, message));
}

std::string Parser::TextFrom(int start) const {
  return std::string(q_.substr(start, std::max(0, last_end_ - start)));
}

Result<Query> Parser::Run() {
  Query query;
  query.text = std::string(q_);
  if (Peek().kind == TokenKind::kEof)
    return ErrorAt(Peek().pos, "empty query: expected a command such as fields, filter or stats");
  bool diffed = false;
  while (true) {
    auto c = ParseCommand();
    if (!c) return std::unexpected(c.error());
    if (c->kind == CommandKind::kDiff) {
      // diff compares templates, so it reads what pattern made.
      if (query.commands.empty() || query.commands.back().kind != CommandKind::kPattern) {
        return ErrorAt(c->pos,
                       "diff compares patterns: put it right after a pattern command, "
                       "as in: pattern @message | diff");
      }
      if (diffed) return ErrorAt(c->pos, "a query can have one diff");
      diffed = true;
    }
    query.commands.push_back(std::move(*c));
    const Token& t = Peek();
    if (t.kind == TokenKind::kEof) break;
    if (t.kind != TokenKind::kPipe) return Unexpected(t, "\"|\" or end of query");
    Take();
  }
  return query;
}

Result<Command> Parser::ParseCommand() {
  const Token t = Peek();
  Command c;
  c.pos = t.pos;
  bool known = false;
  for (const CommandName& n : kCommands) {
    if (IsKeyword(t, n.name)) {
      c.kind = n.kind;
      known = true;
    }
  }
  if (!known) {
    return Unexpected(
        t, "a command (fields, display, filter, stats, sort, limit, parse, dedup, pattern, diff)");
  }
  Take();
  Result<void> ok;
  switch (c.kind) {
    case CommandKind::kFields:
    case CommandKind::kDisplay:
      ok = ParseNamedList(c.items, AggContext::kForbidden);
      break;
    case CommandKind::kFilter: {
      auto e = ParseExpr(AggContext::kForbidden);
      if (!e) return std::unexpected(e.error());
      c.condition = std::move(*e);
      break;
    }
    case CommandKind::kStats:
      ok = ParseStats(c);
      break;
    case CommandKind::kSort:
      ok = ParseSort(c);
      break;
    case CommandKind::kLimit:
      ok = ParseLimit(c);
      break;
    case CommandKind::kParse:
      ok = ParseParse(c);
      break;
    case CommandKind::kDedup:
      ok = ParseDedup(c);
      break;
    case CommandKind::kPattern:
      ok = ParseSourceField(c);
      break;
    case CommandKind::kDiff:
      ok = ParseDiff(c);
      break;
  }
  if (!ok) return std::unexpected(ok.error());
  return c;
}

Result<std::string> Parser::ParseName(const char* what) {
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdentifier) return Unexpected(t, what);
  if (!t.quoted) {
    for (std::string_view kw : kReserved) {
      if (Lower(t.text) == kw) {
        return ErrorAt(
            t.pos, "\"" + t.text + "\" is a keyword; write `" + t.text + "` to use it as a name");
      }
    }
  }
  return Take().text;
}

Result<void> Parser::ParseNamedList(std::vector<NamedExpr>& out, AggContext agg) {
  do {
    const int start = Peek(LexMode::kOperand).pos;
    auto e = ParseExpr(agg);
    if (!e) return std::unexpected(e.error());
    NamedExpr item;
    item.name = (*e)->kind == ExprKind::kField ? (*e)->name : TextFrom(start);
    item.expr = std::move(*e);
    if (AcceptKeyword("as")) {
      auto name = ParseName("a name after \"as\"");
      if (!name) return std::unexpected(name.error());
      item.name = *name;
    }
    out.push_back(std::move(item));
  } while (Accept(TokenKind::kComma));
  return {};
}

Result<void> Parser::ParseStats(Command& c) {
  aggregates_ = &c.aggregates;
  auto ok = ParseNamedList(c.items, AggContext::kAllowed);
  aggregates_ = nullptr;
  if (!ok) return ok;
  for (const NamedExpr& item : c.items) {
    // Each output must aggregate: a bare field has no single value per group.
    std::vector<const Expr*> stack{item.expr.get()};
    bool has_agg = false;
    while (!stack.empty()) {
      const Expr* e = stack.back();
      stack.pop_back();
      if (e->kind == ExprKind::kAggregate) {
        has_agg = true;
        continue;
      }
      if (e->kind == ExprKind::kField) {
        return ErrorAt(e->pos, "field \"" + e->name +
                                   "\" is outside an aggregate function; stats outputs must "
                                   "aggregate, e.g. count(*), max(" +
                                   e->name + ")");
      }
      for (const ExprPtr& a : e->args) stack.push_back(a.get());
    }
    if (!has_agg) {
      return ErrorAt(item.expr->pos, "stats needs an aggregate function such as count(*)");
    }
  }
  if (AcceptKeyword("by")) return ParseNamedList(c.by, AggContext::kForbidden);
  return {};
}

Result<void> Parser::ParseSort(Command& c) {
  do {
    auto e = ParseExpr(AggContext::kForbidden);
    if (!e) return std::unexpected(e.error());
    SortKey key;
    key.expr = std::move(*e);
    if (AcceptKeyword("desc")) {
      key.desc = true;
    } else {
      AcceptKeyword("asc");
    }
    c.keys.push_back(std::move(key));
  } while (Accept(TokenKind::kComma));
  return {};
}

Result<void> Parser::ParseLimit(Command& c) {
  const Token& t = Peek();
  if (t.kind != TokenKind::kNumber || t.number != std::floor(t.number) || t.number < 1 ||
      t.number > 1e9) {
    if (t.kind == TokenKind::kNumber) {
      return ErrorAt(t.pos, "limit must be a whole number from 1 to 1000000000");
    }
    return Unexpected(t, "a number after limit");
  }
  c.limit = static_cast<int64_t>(t.number);
  Take();
  return {};
}

Result<void> Parser::ParseSourceField(Command& c) {
  const Token& first = Peek(LexMode::kOperand);
  if (first.kind == TokenKind::kIdentifier) {
    auto e = ParsePrimary(AggContext::kForbidden);
    if (!e) return std::unexpected(e.error());
    c.source = std::move(*e);
    return {};
  }
  c.source = std::make_unique<Expr>();
  c.source->kind = ExprKind::kField;
  c.source->name = "@message";
  c.source->text = "@message";
  c.source->pos = first.pos;
  return {};
}

Result<void> Parser::ParseDiff(Command& c) {
  static constexpr std::pair<std::string_view, DiffBaseline> kBaselines[] = {
      {"previousday", DiffBaseline::kPreviousDay},
      {"previousweek", DiffBaseline::kPreviousWeek},
      {"previousmonth", DiffBaseline::kPreviousMonth},
  };
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdentifier || t.quoted) return {};
  for (const auto& [word, baseline] : kBaselines) {
    if (Lower(t.text) == word) {
      c.baseline = baseline;
      Take();
      return {};
    }
  }
  return Unexpected(t, "previousDay, previousWeek, previousMonth, \"|\" or end of query");
}

Result<void> Parser::ParseParse(Command& c) {
  if (auto ok = ParseSourceField(c); !ok) return ok;
  const Token pattern = Take(LexMode::kOperand);
  if (pattern.kind == TokenKind::kString) {
    int stars = 0;
    auto re = CompileRegex(GlobToRegex(pattern.text, stars));
    if (!re) return ErrorAt(pattern.pos, re.error().message());
    if (stars == 0) return ErrorAt(pattern.pos, "parse pattern has no * to extract");
    if (!AcceptKeyword("as")) return Unexpected(Peek(), "\"as\" and a name for each *");
    std::vector<std::string> names;
    do {
      auto name = ParseName("a field name");
      if (!name) return std::unexpected(name.error());
      names.push_back(*name);
    } while (Accept(TokenKind::kComma));
    if (static_cast<int>(names.size()) != stars) {
      return ErrorAt(pattern.pos, "parse pattern has " + std::to_string(stars) + " * but " +
                                      std::to_string(names.size()) + " names after \"as\"");
    }
    c.pattern = *re;
    c.captures = std::move(names);
    return {};
  }
  if (pattern.kind != TokenKind::kRegex) {
    return Unexpected(pattern, "a \"glob pattern\" or /regular expression/");
  }
  auto re = CompileRegex(pattern.text);
  if (!re) return ErrorAt(pattern.pos, "bad regular expression: " + re.error().message());
  c.captures.assign((*re)->NumberOfCapturingGroups(), "");
  for (const auto& [index, name] : (*re)->CapturingGroupNames()) c.captures[index - 1] = name;
  bool named = false;
  for (const std::string& n : c.captures) named = named || !n.empty();
  if (!named) {
    return ErrorAt(pattern.pos, "parse regex needs named groups such as (?<name>\\S+)");
  }
  if (PeekKeyword("as")) {
    return ErrorAt(Peek().pos,
                   "a parse regex names its fields with (?<name>...) groups, not \"as\"");
  }
  c.pattern = *re;
  return {};
}

Result<void> Parser::ParseDedup(Command& c) {
  do {
    auto name = ParseName("a field name");
    if (!name) return std::unexpected(name.error());
    c.dedup_fields.push_back(*name);
  } while (Accept(TokenKind::kComma));
  return {};
}

}  // namespace internal

Result<Query> ParseQuery(std::string_view text) { return internal::Parser(text).Run(); }

Result<std::shared_ptr<const re2::RE2>> CompileRegex(const std::string& pattern) {
  // RE2 of Debian 12 spells named groups (?P<name>...); accept (?<name>...)
  // as CloudWatch documents it. (?<= and (?<! are not groups and RE2 rejects
  // them anyway.
  std::string p;
  p.reserve(pattern.size() + 4);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      p += pattern[i];
      p += pattern[++i];
      continue;
    }
    if (pattern.compare(i, 3, "(?<") == 0 && i + 3 < pattern.size() && pattern[i + 3] != '=' &&
        pattern[i + 3] != '!') {
      p += "(?P<";
      i += 2;
      continue;
    }
    p += pattern[i];
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(p, opts);
  if (!re->ok()) return Fail(ErrorCode::kInvalidArgument, re->error());
  return re;
}

const char* CommandName(CommandKind k) {
  for (const auto& n : internal::kCommands) {
    if (n.kind == k) return n.name;
  }
  return "?";
}

}  // namespace fw::logs::insights
