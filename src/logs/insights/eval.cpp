#include "logs/insights/eval.h"

#include <re2/re2.h>

#include <cmath>

#include "logs/insights/functions.h"

namespace fw::logs::insights {
namespace {

bool Like(const Value& left, const Expr& pattern, const Row& row,
          std::span<const Value> aggregates) {
  // Strings (most often @message) are matched in place, not copied.
  std::string printed;
  if (left.kind() != Value::Kind::kString) printed = left.ToString();
  const std::string_view s = left.kind() == Value::Kind::kString ? left.str() : printed;
  if (pattern.kind == ExprKind::kRegex) return RE2::PartialMatch(s, *pattern.re);
  const Value p = Eval(pattern, row, aggregates);
  if (p.is_null()) return false;
  return s.find(p.ToString()) != std::string_view::npos;
}

Value Arithmetic(Op op, const Value& a, const Value& b) {
  const auto x = a.AsNumber(), y = b.AsNumber();
  if (!x || !y) return {};
  using K = Value::Kind;
  // A timestamp moved by a number stays a timestamp; two timestamps differ by a number.
  const bool time_result = (op == Op::kAdd || op == Op::kSub) &&
                           ((a.kind() == K::kTimestamp) != (b.kind() == K::kTimestamp));
  double r;
  switch (op) {
    case Op::kAdd:
      r = *x + *y;
      break;
    case Op::kSub:
      r = *x - *y;
      break;
    case Op::kMul:
      r = *x * *y;
      break;
    case Op::kDiv:
      if (*y == 0) return {};
      r = *x / *y;
      break;
    case Op::kMod:
      if (*y == 0) return {};
      r = std::fmod(*x, *y);
      break;
    default:
      r = std::pow(*x, *y);
  }
  if (time_result && std::isfinite(r) && std::fabs(r) < 1e16) {
    return Value::Time(static_cast<Timestamp>(std::llround(r)));
  }
  return Value::Number(r);
}

Value EvalBinary(const Expr& e, const Row& row, std::span<const Value> aggs) {
  const Expr& le = *e.args[0];
  const Expr& re = *e.args[1];
  if (e.op == Op::kAnd) {
    return Value::Bool(Eval(le, row, aggs).Truthy() && Eval(re, row, aggs).Truthy());
  }
  if (e.op == Op::kOr) {
    return Value::Bool(Eval(le, row, aggs).Truthy() || Eval(re, row, aggs).Truthy());
  }
  const Value l = Eval(le, row, aggs);
  switch (e.op) {
    case Op::kLike:
    case Op::kMatch:
      return Value::Bool(!l.is_null() && Like(l, re, row, aggs));
    case Op::kNotLike:
    case Op::kNotMatch:
      return Value::Bool(!l.is_null() && !Like(l, re, row, aggs));
    case Op::kIn:
    case Op::kNotIn: {
      if (l.is_null()) return Value::Bool(false);
      bool found = false;
      for (const ExprPtr& item : re.args) found = found || ValuesEqual(l, Eval(*item, row, aggs));
      return Value::Bool(found == (e.op == Op::kIn));
    }
    default:
      break;
  }
  const Value r = Eval(re, row, aggs);
  switch (e.op) {
    case Op::kEq:
      return Value::Bool(ValuesEqual(l, r));
    case Op::kNeq:
      return Value::Bool(!l.is_null() && !r.is_null() && !ValuesEqual(l, r));
    case Op::kLt:
    case Op::kLte:
    case Op::kGt:
    case Op::kGte: {
      const auto c = CompareValues(l, r);
      if (!c) return Value::Bool(false);
      const bool ok = e.op == Op::kLt    ? *c < 0
                      : e.op == Op::kLte ? *c <= 0
                      : e.op == Op::kGt  ? *c > 0
                                         : *c >= 0;
      return Value::Bool(ok);
    }
    default:
      return Arithmetic(e.op, l, r);
  }
}

Value EvalCall(const Expr& e, const Row& row, std::span<const Value> aggs) {
  const FunctionSpec& f = FunctionAt(e.function);
  std::vector<Value> args;
  args.reserve(e.args.size() + 1);
  Period period;
  if (f.implicit_timestamp) {
    const Value* ts = row.Find("@timestamp");
    args.push_back(ts ? *ts : Value());
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (static_cast<int>(i) == f.period_arg) {
      period = e.args[i]->period;
      continue;
    }
    args.push_back(Eval(*e.args[i], row, aggs));
  }
  return f.fn(args, period);
}

}  // namespace

const Value* Row::Find(std::string_view name) const {
  for (const auto& [n, v] : cells) {
    if (n == name) return &v;
  }
  if (event) {
    for (const auto& [n, v] : event->fields) {
      if (n == name) return &v;
    }
  }
  return nullptr;
}

void Row::Set(std::string_view name, Value v) {
  for (auto& [n, old] : cells) {
    if (n == name) {
      old = std::move(v);
      return;
    }
  }
  cells.emplace_back(std::string(name), std::move(v));
}

void Row::Own() {
  if (!event) return;
  const LogEvent* e = event;
  event = nullptr;
  const size_t shadowing = cells.size();
  for (const auto& [name, v] : e->fields) {
    bool shadowed = false;
    for (size_t i = 0; i < shadowing && !shadowed; ++i) shadowed = cells[i].first == name;
    if (!shadowed) cells.emplace_back(name, v);
  }
}

Row RowFromEvent(const LogEvent& e, int64_t seq) {
  Row r;
  r.time = e.timestamp;
  r.seq = seq;
  r.cells.reserve(5);
  r.cells.emplace_back("@timestamp", Value::Time(e.timestamp));
  r.cells.emplace_back("@message", Value::String(e.message));
  r.cells.emplace_back("@logStream", Value::String(e.log_stream));
  r.cells.emplace_back("@log", Value::String(e.log_group));
  if (e.ingestion_time) r.cells.emplace_back("@ingestionTime", Value::Time(*e.ingestion_time));
  r.event = &e;
  return r;
}

Value Eval(const Expr& e, const Row& row, std::span<const Value> aggregates) {
  switch (e.kind) {
    case ExprKind::kLiteral:
    case ExprKind::kDuration:
      return e.literal;
    case ExprKind::kField: {
      const Value* v = row.Find(e.name);
      return v ? *v : Value();
    }
    case ExprKind::kUnary: {
      const Value v = Eval(*e.args[0], row, aggregates);
      if (e.op == Op::kNot) return Value::Bool(!v.Truthy());
      const auto x = v.AsNumber();
      return x ? Value::Number(-*x) : Value();
    }
    case ExprKind::kBinary:
      return EvalBinary(e, row, aggregates);
    case ExprKind::kCall:
      // After stats, `sort bin(5m)` names the bin(5m) column rather than recomputing it.
      if (row.from_stats) {
        if (const Value* v = row.Find(e.text)) return *v;
      }
      return EvalCall(e, row, aggregates);
    case ExprKind::kAggregate:
      if (e.slot >= 0 && static_cast<size_t>(e.slot) < aggregates.size()) {
        return aggregates[e.slot];
      }
      if (const Value* v = row.Find(e.text)) return *v;  // e.g. sort count(*) desc
      return {};
    default:
      return {};  // regex, list and * only appear where their parent handles them
  }
}

}  // namespace fw::logs::insights
