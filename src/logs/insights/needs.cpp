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

// A raw-line test for one conjunct of the leading filter, and whether it is
// exactly the conjunct (else it only never fails where the conjunct holds).
struct LineTest {
  std::function<bool(std::string_view)> test;  // empty: no test for this conjunct
  bool exact = false;
};

LineTest TestFor(const Expr& e) {
  if (e.kind != ExprKind::kBinary || e.args.size() != 2) return {};
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (l.kind != ExprKind::kField) return {};
  const bool like = e.op == Op::kLike || e.op == Op::kMatch;
  if (like && l.name == "@message") {
    if (r.kind == ExprKind::kRegex && r.re) {
      const re2::RE2* re = r.re.get();
      return {[re](std::string_view line) { return RE2::PartialMatch(line, *re); }, true};
    }
    if (r.kind == ExprKind::kLiteral && r.literal.kind() == Value::Kind::kString) {
      std::string text = r.literal.str();
      return {[text](std::string_view line) { return line.find(text) != std::string_view::npos; },
              true};
    }
    return {};
  }
  if (e.op == Op::kEq && !l.name.empty() && l.name[0] != '@' && r.kind == ExprKind::kLiteral &&
      r.literal.kind() == Value::Kind::kString && !r.literal.str().empty() &&
      !r.literal.AsNumber()) {
    std::string text = r.literal.str();
    return {[text](std::string_view line) {
              return std::memchr(line.data(), '\\', line.size()) != nullptr ||
                     line.find(text) != std::string_view::npos;
            },
            false};
  }
  return {};
}

// Adds the tests of the conjuncts of e; false when some conjunct has no
// exact test.
bool Conjuncts(const Expr& e, std::vector<std::function<bool(std::string_view)>>& out) {
  if (e.kind == ExprKind::kBinary && e.op == Op::kAnd) {
    const bool left = Conjuncts(*e.args[0], out);
    return Conjuncts(*e.args[1], out) && left;
  }
  LineTest t = TestFor(e);
  if (t.test) out.push_back(std::move(t.test));
  return t.exact;
}

// What commands [from, end) observe. Rows not grouped by a stats command
// come out in event-time order, so then time is observed too.
FieldSet Observed(const Query& query, size_t from, bool time_needed) {
  Walk w;
  for (size_t i = from; i < query.commands.size(); ++i) w.Visit(query.commands[i]);
  bool stats = false;
  for (const Command& c : query.commands) stats = stats || c.kind == CommandKind::kStats;
  // Without stats, the result columns are event fields (@timestamp,
  // @message, parsed ones); with it they are its outputs.
  if (!stats) {
    for (const std::string& c : ResultColumns(query)) w.Add(c);
  }
  if (time_needed) {
    for (const char* key : {"@timestamp", "timestamp", "time", "ts"}) w.Add(key);
  }
  return FieldSet{std::move(w.names)};
}

}  // namespace

QueryNeeds AnalyzeNeeds(const Query& query, const TimeRange& range) {
  const auto& cmds = query.commands;
  size_t b = 0;
  while (b < cmds.size() &&
         (cmds[b].kind == CommandKind::kFilter || cmds[b].kind == CommandKind::kParse ||
          cmds[b].kind == CommandKind::kFields || cmds[b].kind == CommandKind::kDisplay)) {
    ++b;
  }
  // Events meet stats before anything that keeps them in time order.
  const bool stats_next = b < cmds.size() && cmds[b].kind == CommandKind::kStats;
  Walk w;
  for (const Command& c : cmds) w.Visit(c);
  const bool time_seen =
      w.reads_time || std::find(w.names.begin(), w.names.end(), "@timestamp") != w.names.end();
  const bool time_needed = time_seen || range.start || range.end || !stats_next;
  QueryNeeds needs;
  needs.fields = Observed(query, 0, time_needed);
  if (cmds.empty() || cmds[0].kind != CommandKind::kFilter || time_needed) return needs;
  std::vector<std::function<bool(std::string_view)>> tests;
  const bool exact = Conjuncts(*cmds[0].condition, tests);
  if (tests.empty()) return needs;
  needs.line_filter = [tests = std::move(tests)](std::string_view line) {
    for (const auto& t : tests) {
      if (!t(line)) return false;
    }
    return true;
  };
  if (exact) {
    needs.filter_exact = true;
    needs.fields_after = Observed(query, 1, false);
  }
  return needs;
}

}  // namespace fw::logs::insights
