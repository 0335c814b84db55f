// Binary operators: arithmetic, comparisons (filtering or `bool`), set
// operators, and vector matching with on/ignoring and group_left/right.

#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "metrics/promql/engine_internal.h"

namespace fw::metrics::promql {
namespace {

// Returns the value and whether the element survives (comparisons filter).
std::pair<double, bool> Apply(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return {l + r, true};
    case BinaryOp::kSub:
      return {l - r, true};
    case BinaryOp::kMul:
      return {l * r, true};
    case BinaryOp::kDiv:
      return {l / r, true};
    case BinaryOp::kMod:
      return {std::fmod(l, r), true};
    case BinaryOp::kPow:
      return {std::pow(l, r), true};
    case BinaryOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinaryOp::kEql:
      return {l, l == r};
    case BinaryOp::kNeq:
      return {l, l != r};
    case BinaryOp::kGtr:
      return {l, l > r};
    case BinaryOp::kLss:
      return {l, l < r};
    case BinaryOp::kGte:
      return {l, l >= r};
    case BinaryOp::kLte:
      return {l, l <= r};
    default:
      Throw(ErrorCode::kInternal, "not an arithmetic or comparison operator");
  }
}

// The labels two elements are matched on.
LabelSet MatchKey(const LabelSet& l, const VectorMatching& m) {
  if (m.on) {
    LabelSet key;
    for (const std::string& name : m.labels) key.Set(name, l.Get(name));
    return key;
  }
  LabelSet key = WithoutName(l);
  for (const std::string& name : m.labels) key.Set(name, "");
  return key;
}

Value SetOperation(BinaryOp op, Vector lhs, Vector rhs, const VectorMatching& m) {
  Value out;
  out.type = ValueType::kVector;
  std::set<LabelSet> right;
  for (const VectorElement& e : rhs) right.insert(MatchKey(e.labels, m));
  if (op == BinaryOp::kOr) {
    std::set<LabelSet> left;
    for (VectorElement& e : lhs) {
      left.insert(MatchKey(e.labels, m));
      out.vector.push_back(std::move(e));
    }
    for (VectorElement& e : rhs) {
      if (!left.count(MatchKey(e.labels, m))) out.vector.push_back(std::move(e));
    }
    return out;
  }
  const bool want = op == BinaryOp::kAnd;
  for (VectorElement& e : lhs) {
    if (right.count(MatchKey(e.labels, m)) == want) out.vector.push_back(std::move(e));
  }
  return out;
}

LabelSet ResultLabels(const LabelSet& many, const LabelSet& one, const VectorMatching& m) {
  LabelSet out = many;
  if (m.card == Cardinality::kOneToOne) {
    if (m.on) {
      LabelSet kept;
      for (const std::string& name : m.labels) kept.Set(name, many.Get(name));
      out = kept;
    } else {
      for (const std::string& name : m.labels) out.Set(name, "");
    }
  }
  for (const std::string& name : m.include) out.Set(name, one.Get(name));
  return out;
}

Value VectorBinary(Evaluator& ev, const BinaryExpr& e, Vector lhs, Vector rhs) {
  const VectorMatching& m = *e.matching;
  const bool swap = m.card == Cardinality::kOneToMany;
  if (swap) std::swap(lhs, rhs);  // rhs is now always the "one" side
  std::unordered_map<LabelSet, const VectorElement*, LabelSetHash> one;
  for (const VectorElement& r : rhs) {
    auto [it, fresh] = one.try_emplace(MatchKey(r.labels, m), &r);
    if (!fresh) {
      Throw(ErrorCode::kInvalidArgument,
            "found duplicate series for the match group " + PromString(it->first) + " on the " +
                (swap ? "left" : "right") + " hand-side of the operation: [" +
                PromString(it->second->labels) + ", " + PromString(r.labels) +
                "];many-to-many matching not allowed: matching labels must be unique on one side");
    }
  }
  const bool arithmetic = !IsComparison(e.op);
  std::map<LabelSet, std::set<LabelSet>> matched;
  Value out;
  out.type = ValueType::kVector;
  for (const VectorElement& l : lhs) {
    const LabelSet key = MatchKey(l.labels, m);
    auto it = one.find(key);
    if (it == one.end()) continue;
    double fl = l.v, fr = it->second->v;
    HistogramPtr hl = l.h, hr = it->second->h;
    if (swap) std::swap(fl, fr), std::swap(hl, hr);
    LabelSet labels = ResultLabels(l.labels, it->second->labels, m);
    auto [seen, first] = matched.try_emplace(key);
    if (m.card == Cardinality::kOneToOne) {
      if (!first) {
        Throw(ErrorCode::kInvalidArgument,
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
      }
    } else if (!seen->second.insert(WithoutName(labels)).second) {
      Throw(ErrorCode::kInvalidArgument,
            "multiple matches for labels: grouping labels must ensure unique matches");
    }
    const bool drop = arithmetic || e.return_bool || l.drop_name;
    if (hl || hr) {
      double v = 0;
      HistogramPtr h;
      if (ev.BinaryWithHistograms(e.op, e.return_bool, fl, hl, fr, hr, v, h))
        out.vector.push_back({std::move(labels), v, l.t, drop, std::move(h)});
      continue;
    }
    auto [v, keep] = Apply(e.op, fl, fr);
    if (e.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.vector.push_back({std::move(labels), v, l.t, drop, nullptr});
  }
  return out;
}

}  // namespace

Value Evaluator::EvalBinary(const BinaryExpr& e, Timestamp t) {
  Value lhs = Eval(*e.lhs, t);
  Value rhs = Eval(*e.rhs, t);
  Value out;
  const bool arithmetic = !IsComparison(e.op) && !IsSetOperator(e.op);
  if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
    auto [v, keep] = Apply(e.op, lhs.scalar, rhs.scalar);
    out.type = ValueType::kScalar;
    out.scalar = IsComparison(e.op) ? (keep ? 1 : 0) : v;
    return out;
  }
  if (lhs.type == ValueType::kVector && rhs.type == ValueType::kVector) {
    if (IsSetOperator(e.op)) {
      return SetOperation(e.op, std::move(lhs.vector), std::move(rhs.vector), *e.matching);
    }
    return VectorBinary(*this, e, std::move(lhs.vector), std::move(rhs.vector));
  }
  // A vector and a scalar, either way round.
  const bool vector_left = lhs.type == ValueType::kVector;
  Vector in = std::move(vector_left ? lhs.vector : rhs.vector);
  const double s = vector_left ? rhs.scalar : lhs.scalar;
  out.type = ValueType::kVector;
  for (VectorElement& el : in) {
    if (el.h) {
      double v = 0;
      HistogramPtr h;
      const HistogramPtr none;
      const bool keep = vector_left
                            ? BinaryWithHistograms(e.op, e.return_bool, 0, el.h, s, none, v, h)
                            : BinaryWithHistograms(e.op, e.return_bool, s, none, 0, el.h, v, h);
      if (!keep) continue;
      el.v = v, el.h = std::move(h);
      el.drop_name = el.drop_name || arithmetic || e.return_bool;
      out.vector.push_back(std::move(el));
      continue;
    }
    const double l = vector_left ? el.v : s;
    const double r = vector_left ? s : el.v;
    auto [v, keep] = Apply(e.op, l, r);
    if (IsComparison(e.op) && !vector_left) v = el.v;  // a filter keeps the vector's value
    if (e.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    el.v = v;
    el.drop_name = el.drop_name || arithmetic || e.return_bool;
    out.vector.push_back(std::move(el));
  }
  return out;
}

}  // namespace fw::metrics::promql
