#include "logs/insights/needs.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "logs/insights/executor.h"
#include "logs/insights/functions.h"

namespace fw::logs::insights {
namespace {

struct Walk {
  std::vector<std::string> names;
  bool reads_time = false;  // @timestamp, bin() and friends, earliest/latest

  void Add(const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  void Visit(const Expr* e) {
    if (!e) return;
    if (e->kind == ExprKind::kField) Add(e->name);
    if (e->kind == ExprKind::kCall && FunctionAt(e->function).implicit_timestamp) {
      Add("@timestamp");
    }
    if (e->kind == ExprKind::kAggregate &&
        (e->agg == AggKind::kEarliest || e->agg == AggKind::kLatest)) {
      reads_time = true;
    }
    for (const ExprPtr& a : e->args) Visit(a.get());
  }
  void Visit(const Command& c) {
    for (const NamedExpr& n : c.items) Visit(n.expr.get());
    for (const NamedExpr& n : c.by) Visit(n.expr.get());
    for (const SortKey& k : c.keys) Visit(k.expr.get());
    Visit(c.condition.get());
    Visit(c.source.get());
    for (const std::string& f : c.dedup_fields) Add(f);
    if (c.kind == CommandKind::kPattern) Add("@message");
  }
};

// One conjunct of the leading filter as a raw-line test, or null.
std::function<bool(std::string_view)> LineTest(const Expr& e) {
  if (e.kind != ExprKind::kBinary || e.args.size() != 2) return nullptr;
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (l.kind != ExprKind::kField) return nullptr;
  const bool like = e.op == Op::kLike || e.op == Op::kMatch;
  if (like && l.name == "@message") {
    if (r.kind == ExprKind::kRegex && r.re) {
      const re2::RE2* re = r.re.get();
      return [re](std::string_view line) { return RE2::PartialMatch(line, *re); };
    }
    if (r.kind == ExprKind::kLiteral && r.literal.kind() == Value::Kind::kString) {
      std::string text = r.literal.str();
      return [text](std::string_view line) { return line.find(text) != std::string_view::npos; };
    }
    return nullptr;
  }
  if (e.op == Op::kEq && !l.name.empty() && l.name[0] != '@' && r.kind == ExprKind::kLiteral &&
      r.literal.kind() == Value::Kind::kString && !r.literal.str().empty() &&
      !r.literal.AsNumber()) {
    std::string text = r.literal.str();
    return [text](std::string_view line) {
      return std::memchr(line.data(), '\\', line.size()) != nullptr ||
             line.find(text) != std::string_view::npos;
    };
  }
  return nullptr;
}

void Conjuncts(const Expr& e, std::vector<std::function<bool(std::string_view)>>& out) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
    Conjuncts(*e.args[0], out);
    Conjuncts(*e.args[1], out);
    return;
  }
  if (auto t = LineTest(e)) out.push_back(std::move(t));
}

}  // namespace

QueryNeeds AnalyzeNeeds(const Query& query, const TimeRange& range) {
  Walk w;
  for (const Command& c : query.commands) w.Visit(c);
  for (const std::string& c : ResultColumns(query)) w.Add(c);
  const bool time_seen =
      w.reads_time || std::find(w.names.begin(), w.names.end(), "@timestamp") != w.names.end();
  for (const char* key : {"@timestamp", "timestamp", "time", "ts"}) w.Add(key);
  QueryNeeds needs;
  needs.fields.names = std::move(w.names);

  const auto& cmds = query.commands;
  size_t b = 0;
  while (b < cmds.size() &&
         (cmds[b].kind == CommandKind::kFilter || cmds[b].kind == CommandKind::kParse ||
          cmds[b].kind == CommandKind::kFields || cmds[b].kind == CommandKind::kDisplay)) {
    ++b;
  }
  const bool stats_next = b < cmds.size() && cmds[b].kind == CommandKind::kStats;
  if (cmds.empty() || cmds[0].kind != CommandKind::kFilter || range.start || range.end ||
      time_seen || !stats_next) {
    return needs;
  }
  std::vector<std::function<bool(std::string_view)>> tests;
  Conjuncts(*cmds[0].condition, tests);
  if (tests.empty()) return needs;
  needs.line_filter = [tests = std::move(tests)](std::string_view line) {
    for (const auto& t : tests) {
      if (!t(line)) return false;
    }
    return true;
  };
  return needs;
}

}  // namespace fw::logs::insights
