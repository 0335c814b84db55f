// Aggregation operators over instant vectors, grouped by/without labels.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "metrics/promql/engine_internal.h"
#include "metrics/promql/prometheus_hash.h"
#include "metrics/promql/range_functions.h"

namespace fw::metrics::promql {
namespace {

LabelSet GroupKey(const LabelSet& l, const AggregateExpr& e) {
  if (e.without) {
    LabelSet key = WithoutName(l);
    for (const std::string& name : e.grouping) key.Set(name, "");
    return key;
  }
  LabelSet key;
  for (const std::string& name : e.grouping) key.Set(name, l.Get(name));
  return key;
}

bool ValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

double Reduce(AggregateOp op, const std::vector<Sample>& values) {
  switch (op) {
    case AggregateOp::kSum:
      return SumOverTime(values);
    case AggregateOp::kAvg:
      return AvgOverTime(values);
    case AggregateOp::kCount:
      return static_cast<double>(values.size());
    case AggregateOp::kMin:
      return MinOverTime(values);
    case AggregateOp::kMax:
      return MaxOverTime(values);
    case AggregateOp::kGroup:
      return 1;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      const double first = values[0].v;
      double count = 1, mean = first, m2 = std::isfinite(first) ? 0 : NAN;
      for (size_t i = 1; i < values.size(); ++i) {
        count += 1;
        const double delta = values[i].v - mean;
        mean += delta / count;
        m2 += delta * (values[i].v - mean);
      }
      const double var = m2 / count;
      return op == AggregateOp::kStdvar ? var : std::sqrt(var);
    }
    default:
      Throw(ErrorCode::kInternal, "not a reducing aggregation");
  }
}

// topk/bottomk/limitk: the chosen elements of one group, keeping labels.
void SelectK(AggregateOp op, double k_param, std::vector<VectorElement*>& group, Vector& out) {
  if (k_param < 1) return;
  const size_t k =
      k_param >= static_cast<double>(group.size()) ? group.size() : static_cast<size_t>(k_param);
  if (op != AggregateOp::kLimitk) {
    const bool top = op == AggregateOp::kTopk;
    std::stable_sort(group.begin(), group.end(),
                     [top](const VectorElement* a, const VectorElement* b) {
                       if (std::isnan(a->v)) return false;  // NaN goes last either way
                       if (std::isnan(b->v)) return true;
                       return top ? a->v > b->v : a->v < b->v;
                     });
  }
  for (size_t i = 0; i < k; ++i) out.push_back(std::move(*group[i]));
}

// Grouping by __name__ partitions on the name not yet removed; the group's
// name goes if any member's was due to go (Prometheus 3 behaviour).
bool AnyDropsName(const std::vector<VectorElement*>& members) {
  for (const VectorElement* m : members) {
    if (m->drop_name) return true;
  }
  return false;
}

// count_values: the value label joins the grouping key.
void CountValues(const AggregateExpr& e, const std::string& label, const Vector& in, Timestamp t,
                 Vector& out) {
  // The value label joins the grouping key (overwriting a label of that
  // name), so series of equal value fall into one output element.
  std::unordered_map<LabelSet, size_t, LabelSetHash> at;
  for (const VectorElement& el : in) {
    LabelSet key = GroupKey(el.labels, e);
    key.Set(label, el.h ? el.h->GoString() : FormatFloatFixed(el.v));
    auto [it, fresh] = at.try_emplace(key, out.size());
    if (fresh) out.push_back({std::move(key), 0, t, false, nullptr});
    out[it->second].v += 1;
  }
}

}  // namespace

double Evaluator::AggregateParam(const AggregateExpr& e, Timestamp t, std::string& label) {
  double param = 0;
  if (e.param) {
    Value p = Eval(*e.param, t);
    if (p.type == ValueType::kString)
      label = p.str;
    else
      param = p.scalar;
  }
  const bool takes_k = e.op == AggregateOp::kTopk || e.op == AggregateOp::kBottomk ||
                       e.op == AggregateOp::kLimitk || e.op == AggregateOp::kLimitRatio;
  if (takes_k && std::isnan(param)) {
    Throw(ErrorCode::kInvalidArgument,
          e.op == AggregateOp::kLimitRatio ? "Ratio value is NaN" : "Parameter value is NaN");
  }
  if (e.op == AggregateOp::kLimitRatio && (param < -1 || param > 1)) {
    const double capped = param < -1 ? -1 : 1;
    Warn("PromQL warning: ratio value should be between -1 and 1, got " + FormatFloat(param) +
         ", capping to " + FormatFloat(capped));
    param = capped;
  }
  if (e.op == AggregateOp::kCountValues && !ValidLabelName(label)) {
    Throw(ErrorCode::kInvalidArgument, "invalid label name " + QuoteString(label));
  }
  if (e.op == AggregateOp::kQuantile && (param < 0 || param > 1 || std::isnan(param))) {
    char buf[96];
    std::snprintf(buf, sizeof buf,
                  "PromQL warning: quantile value should be between 0 and 1, got %g", param);
    Warn(buf);
  }
  return param;
}

const LabelSet& Evaluator::GroupKeyOf(const AggregateExpr& e, const LabelSet& labels) {
  // Bounded: expressions that make new label sets at every step (say
  // label_replace underneath) would otherwise grow the memo with each step.
  constexpr size_t kMaxMemo = 1 << 18;
  auto& memo = group_keys_[&e];
  auto it = memo.find(labels.identity());
  if (it != memo.end()) return it->second.key;
  if (memo.size() >= kMaxMemo) memo.clear();
  MemoKey entry{labels, GroupKey(labels, e)};
  return memo.emplace(labels.identity(), std::move(entry)).first->second.key;
}

Value Evaluator::EvalAggregate(const AggregateExpr& e, Timestamp t) {
  Value out;
  out.type = ValueType::kVector;
  if (AggregateAllSteps(e, t, out.vector)) return out;
  Vector in = EvalVector(*e.expr, t);
  FilterAggregateInput(e.op, in);
  std::string label;
  const double param = AggregateParam(e, t, label);
  // Groups in order of first appearance, as Prometheus returns them.
  std::unordered_map<LabelSet, size_t, LabelSetHash> index;
  std::vector<LabelSet> keys;
  std::vector<std::vector<VectorElement*>> groups;
  for (VectorElement& el : in) {
    const LabelSet& key = GroupKeyOf(e, el.labels);
    auto [it, fresh] = index.try_emplace(key, groups.size());
    if (fresh) {
      keys.push_back(key);
      groups.emplace_back();
    }
    groups[it->second].push_back(&el);
  }
  if (e.op == AggregateOp::kCountValues) {
    CountValues(e, label, in, t, out.vector);
    return out;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    std::vector<VectorElement*>& members = groups[g];
    switch (e.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kLimitk:
        SelectK(e.op, param, members, out.vector);
        continue;
      case AggregateOp::kLimitRatio:
        for (VectorElement* m : members) {
          const double ratio =
              static_cast<double>(PrometheusHash(m->labels)) / 18446744073709551615.0;
          if ((param >= 0 && ratio < param) || (param < 0 && ratio >= 1 + param)) {
            out.vector.push_back(std::move(*m));
          }
        }
        continue;
      case AggregateOp::kCountValues:
        continue;  // grouped below, on the key with the value label set
      case AggregateOp::kQuantile: {
        std::vector<double> values;
        for (VectorElement* m : members) values.push_back(m->v);
        out.vector.push_back({keys[g], Quantile(param, values), t, AnyDropsName(members), nullptr});
        continue;
      }
      case AggregateOp::kSum:
      case AggregateOp::kAvg:
        if (SumHistograms(e.op == AggregateOp::kAvg, keys[g], members, t, out.vector)) continue;
        [[fallthrough]];
      default: {
        std::vector<Sample> values;
        for (VectorElement* m : members) values.push_back({t, m->v});
        out.vector.push_back({keys[g], Reduce(e.op, values), t, AnyDropsName(members), nullptr});
      }
    }
  }
  return out;
}

}  // namespace fw::metrics::promql
