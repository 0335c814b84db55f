#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "metrics/promql/engine_internal.h"

namespace fw::metrics::promql {
namespace {

Timestamp AlignedSubqueryStart(Timestamp mint, int64_t step) {
  // The first multiple of step after mint (Go's truncating division, as
  // Prometheus aligns subquery steps to absolute time).
  Timestamp s = step * (mint / step);
  if (s <= mint) s += step;
  return s;
}

}  // namespace

// Finds, for every selector, the widest time range any step will read.
class ExtentsVisitor {
 public:
  ExtentsVisitor(Evaluator& ev) : ev_(ev) {}
  void Visit(const Expr& e, int64_t sub_range, int64_t sub_offset, const Timestamp* fixed) {
    switch (e.kind) {
      case NodeKind::kVectorSelector:
        Add(e.As<VectorSelector>(), 0, sub_range, sub_offset, fixed);
        return;
      case NodeKind::kMatrixSelector: {
        const auto& m = e.As<MatrixSelector>();
        Add(*m.selector, m.range_ms, sub_range, sub_offset, fixed);
        return;
      }
      case NodeKind::kSubquery: {
        const auto& s = e.As<SubqueryExpr>();
        Timestamp at = 0;
        const Timestamp* inner_fixed = fixed;
        if (s.at.kind != AtKind::kNone) {
          at = Pin(s.at);
          inner_fixed = &at;
        }
        Visit(*s.expr, sub_range + s.range_ms, sub_offset + s.offset_ms, inner_fixed);
        return;
      }
      default:
        for (const Expr* c : Children(e)) Visit(*c, sub_range, sub_offset, fixed);
    }
  }

 private:
  Timestamp Pin(const AtModifier& at) const {
    if (at.kind == AtKind::kStart) return ev_.start_;
    if (at.kind == AtKind::kEnd) return ev_.end_;
    return at.timestamp_ms;
  }
  void Add(const VectorSelector& vs, int64_t range, int64_t sub_range, int64_t sub_offset,
           const Timestamp* fixed) {
    Timestamp lo = fixed ? *fixed : ev_.start_;
    Timestamp hi = fixed ? *fixed : ev_.end_;
    if (vs.at.kind != AtKind::kNone) lo = hi = Pin(vs.at);
    const int64_t back = range > 0 ? range : ev_.options_.lookback_ms;
    const Timestamp mint = lo - sub_offset - sub_range - vs.offset_ms - back;
    const Timestamp maxt = hi - sub_offset - vs.offset_ms;
    auto [it, fresh] = ev_.extents_.try_emplace(&vs, mint, maxt);
    if (!fresh) {
      it->second.first = std::min(it->second.first, mint);
      it->second.second = std::max(it->second.second, maxt);
    }
  }
  Evaluator& ev_;
};

Evaluator::Evaluator(const Queryable& storage, const EngineOptions& options, Timestamp start,
                     Timestamp end, int64_t step)
    : storage_(storage), options_(options), start_(start), end_(end), step_(step) {}

void Evaluator::ComputeExtents(const Expr& root) {
  ExtentsVisitor(*this).Visit(root, 0, 0, nullptr);
}

void Evaluator::AddUnique(std::vector<std::string>& list, std::string s) {
  if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(std::move(s));
}

void Evaluator::CountSamples(size_t n) {
  samples_loaded_ += n;
  if (samples_loaded_ > options_.max_samples) {
    Throw(ErrorCode::kTooLarge, "query processing would load too many samples into memory (limit " +
                                    std::to_string(options_.max_samples) + ")");
  }
}

void Evaluator::CheckDeadline() {
  if (options_.stop.stop_requested()) {
    Throw(ErrorCode::kTimeout, "query was canceled in expression evaluation");
  }
  if (options_.clock == nullptr || options_.deadline == 0) return;
  if (deadline_calls_++ % 16 != 0) return;
  if (options_.clock->Now() >= options_.deadline) {
    Throw(ErrorCode::kTimeout, "query timed out in expression evaluation");
  }
}

EngineOptions OptionsWithin(const QueryLimits& limits, const Clock& clock, std::stop_token stop) {
  EngineOptions o;
  o.max_samples = limits.max_samples;
  o.stop = std::move(stop);
  if (limits.timeout.count() > 0) {
    o.clock = &clock;
    o.deadline = clock.Now() + limits.timeout.count();
  }
  return o;
}

const std::vector<StoredSeries>& Evaluator::Fetch(const VectorSelector& vs) {
  auto it = cache_.find(&vs);
  if (it != cache_.end()) return it->second;
  auto compiled = CompiledMatchers::Compile(vs.matchers);
  if (!compiled) throw EvalError{compiled.error()};
  auto ext = extents_.find(&vs);
  Timestamp mint = start_ - options_.lookback_ms, maxt = end_;
  if (ext != extents_.end()) std::tie(mint, maxt) = ext->second;
  auto series = storage_.Select(vs.matchers, mint, maxt);
  size_t n = 0;
  for (const StoredSeries& s : series) n += s.samples.size() + s.histograms.size();
  CountSamples(n);
  return cache_.emplace(&vs, std::move(series)).first->second;
}

Timestamp Evaluator::RefTime(const AtModifier& at, int64_t offset, Timestamp t) const {
  switch (at.kind) {
    case AtKind::kNone:
      return t - offset;
    case AtKind::kStart:
      return start_ - offset;
    case AtKind::kEnd:
      return end_ - offset;
    case AtKind::kTimestamp:
      return at.timestamp_ms - offset;
  }
  return t - offset;
}

Vector Evaluator::SelectInstant(const VectorSelector& vs, Timestamp t) {
  const Timestamp ref = RefTime(vs.at, vs.offset_ms, t);
  Vector out;
  for (const StoredSeries& s : Fetch(vs)) {
    // The latest sample in (ref - lookback, ref], float or histogram.
    auto it = std::upper_bound(s.samples.begin(), s.samples.end(), ref,
                               [](Timestamp x, const Sample& a) { return x < a.t; });
    auto hit = std::upper_bound(s.histograms.begin(), s.histograms.end(), ref,
                                [](Timestamp x, const HistogramSample& a) { return x < a.t; });
    const Sample* f = it == s.samples.begin() ? nullptr : &*(it - 1);
    const HistogramSample* h = hit == s.histograms.begin() ? nullptr : &*(hit - 1);
    if (h && (!f || h->t > f->t)) {
      if (h->t > ref - options_.lookback_ms) out.push_back({s.labels, 0, h->t, false, h->h});
      continue;
    }
    if (!f || f->t <= ref - options_.lookback_ms || IsStaleNaN(f->v)) continue;
    out.push_back({s.labels, f->v, f->t, false, nullptr});
  }
  return out;
}

Matrix Evaluator::SelectRange(const MatrixSelector& m, Timestamp t) {
  const VectorSelector& vs = *m.selector;
  const Timestamp ref = RefTime(vs.at, vs.offset_ms, t);
  Matrix out;
  for (const StoredSeries& s : Fetch(vs)) {
    auto lo = std::upper_bound(s.samples.begin(), s.samples.end(), ref - m.range_ms,
                               [](Timestamp x, const Sample& a) { return x < a.t; });
    auto hi = std::upper_bound(lo, s.samples.end(), ref,
                               [](Timestamp x, const Sample& a) { return x < a.t; });
    MatrixSeries ms{s.labels, {}, false, {}};
    for (auto p = lo; p != hi; ++p) {
      if (!IsStaleNaN(p->v)) ms.samples.push_back(*p);
    }
    for (const HistogramSample& h : s.histograms) {
      if (h.t > ref - m.range_ms && h.t <= ref) ms.histograms.push_back(h);
    }
    if (!ms.samples.empty() || !ms.histograms.empty()) out.push_back(std::move(ms));
  }
  return out;
}

Matrix Evaluator::EvalSubquery(const SubqueryExpr& s, Timestamp t) {
  const Timestamp ref = RefTime(s.at, s.offset_ms, t);
  const int64_t step = s.step_ms > 0 ? s.step_ms : options_.default_subquery_step_ms;
  // Steps inside a subquery are not the query's steps.
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
  } guard(subquery_depth_);
  std::map<LabelSet, MatrixSeries> series;
  size_t held = 0;  // samples this subquery holds, counted with the loaded ones
  for (Timestamp ts = AlignedSubqueryStart(ref - s.range_ms, step); ts <= ref; ts += step) {
    CheckDeadline();
    Value v = Eval(*s.expr, ts);
    held += v.type == ValueType::kScalar ? 1 : v.vector.size();
    if (samples_loaded_ + held > options_.max_samples) CountSamples(held);
    if (v.type == ValueType::kScalar) {
      auto& ms = series[LabelSet{}];
      ms.samples.push_back({ts, v.scalar});
      continue;
    }
    for (VectorElement& e : v.vector) {
      auto [it, fresh] = series.try_emplace(e.labels);
      if (fresh) {
        it->second.labels = e.labels;
        it->second.drop_name = e.drop_name;
      }
      if (e.h)
        it->second.histograms.push_back({ts, e.h});
      else
        it->second.samples.push_back({ts, e.v});
    }
  }
  Matrix out;
  for (auto& [labels, ms] : series) out.push_back(std::move(ms));
  return out;
}

Matrix Evaluator::EvalMatrix(const Expr& e, Timestamp t) {
  if (e.kind == NodeKind::kMatrixSelector) return SelectRange(e.As<MatrixSelector>(), t);
  if (e.kind == NodeKind::kSubquery) return EvalSubquery(e.As<SubqueryExpr>(), t);
  if (e.kind == NodeKind::kParen) return EvalMatrix(*e.As<ParenExpr>().expr, t);
  Throw(ErrorCode::kInternal, "expected a range vector");
}

double Evaluator::EvalScalar(const Expr& e, Timestamp t) {
  Value v = Eval(e, t);
  if (v.type != ValueType::kScalar) Throw(ErrorCode::kInternal, "expected a scalar");
  return v.scalar;
}

Vector Evaluator::EvalVector(const Expr& e, Timestamp t) {
  Value v = Eval(e, t);
  if (v.type != ValueType::kVector) Throw(ErrorCode::kInternal, "expected an instant vector");
  return std::move(v.vector);
}

Vector Evaluator::EvalFloatVector(const Expr& e, Timestamp t) {
  Vector v = EvalVector(e, t);
  DropHistograms(v);
  return v;
}

Value Evaluator::Eval(const Expr& e, Timestamp t) {
  CheckDeadline();
  Value out;
  switch (e.kind) {
    case NodeKind::kNumber:
      out.type = ValueType::kScalar;
      out.scalar = e.As<NumberLiteral>().value;
      return out;
    case NodeKind::kString:
      out.type = ValueType::kString;
      out.str = e.As<StringLiteral>().value;
      return out;
    case NodeKind::kVectorSelector:
      out.type = ValueType::kVector;
      out.vector = SelectInstant(e.As<VectorSelector>(), t);
      return out;
    case NodeKind::kMatrixSelector:
    case NodeKind::kSubquery:
      out.type = ValueType::kMatrix;
      out.matrix = EvalMatrix(e, t);
      return out;
    case NodeKind::kParen:
      return Eval(*e.As<ParenExpr>().expr, t);
    case NodeKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      out = Eval(*u.expr, t);
      if (u.op == BinaryOp::kSub) {
        out.scalar = -out.scalar;
        for (VectorElement& el : out.vector) {
          el.v = -el.v;
          el.drop_name = true;
          if (el.h) el.h = Scaled(*el.h, -1);
        }
      }
      return out;
    }
    case NodeKind::kBinary:
      return EvalBinary(e.As<BinaryExpr>(), t);
    case NodeKind::kAggregate:
      return EvalAggregate(e.As<AggregateExpr>(), t);
    case NodeKind::kCall:
      return EvalCall(e.As<Call>(), t);
  }
  return out;
}

LabelSet WithoutName(const LabelSet& l) {
  LabelSet out = l;
  out.Set(kMetricNameLabel, "");
  return out;
}

std::string PromString(const LabelSet& l) {
  std::string out = "{";
  for (const Label& x : l.labels()) {
    if (out.size() > 1) out += ", ";
    out += x.name + "=" + QuoteString(x.value);
  }
  return out + "}";
}

void FinishVector(Vector& v) {
  for (VectorElement& e : v) {
    if (e.drop_name) {
      e.labels.Set(kMetricNameLabel, "");
      e.drop_name = false;
    }
  }
  std::vector<const LabelSet*> seen;
  for (const VectorElement& e : v) seen.push_back(&e.labels);
  std::sort(seen.begin(), seen.end(), [](const LabelSet* a, const LabelSet* b) { return *a < *b; });
  for (size_t i = 1; i < seen.size(); ++i) {
    if (*seen[i] == *seen[i - 1]) {
      Throw(ErrorCode::kInvalidArgument, "vector cannot contain metrics with the same labelset");
    }
  }
}

void FinishMatrix(Matrix& m) {
  for (MatrixSeries& s : m) {
    if (s.drop_name) {
      s.labels.Set(kMetricNameLabel, "");
      s.drop_name = false;
    }
  }
}

namespace {

template <typename Fn>
Result<QueryResult> Run(const Queryable& storage, Expr& expr, Timestamp start, Timestamp end,
                        int64_t step, const EngineOptions& options, Fn&& body) {
  // Durations written with step() or range() depend on this query.
  if (auto ok = ResolveDurations(expr, step, end - start); !ok) return Fail(ok.error());
  Evaluator ev(storage, options, start, end, step);
  QueryResult r;
  try {
    ev.ComputeExtents(expr);
    r.value = body(ev);
  } catch (const EvalError& e) {
    return Fail(e.error);
  }
  r.warnings = std::move(ev.warnings());
  r.infos = std::move(ev.infos());
  return r;
}

}  // namespace

Result<QueryResult> InstantQuery(const Queryable& storage, Expr& expr, Timestamp at,
                                 const EngineOptions& options) {
  return Run(storage, expr, at, at, 0, options, [&](Evaluator& ev) {
    Value v = ev.Eval(expr, at);
    if (v.type == ValueType::kVector) FinishVector(v.vector);
    if (v.type == ValueType::kMatrix) FinishMatrix(v.matrix);
    return v;
  });
}

Result<QueryResult> RangeQuery(const Queryable& storage, Expr& expr, Timestamp start, Timestamp end,
                               int64_t step_ms, const EngineOptions& options) {
  if (expr.type() != ValueType::kScalar && expr.type() != ValueType::kVector) {
    return Fail(ErrorCode::kInvalidArgument,
                "invalid expression type \"" + std::string(DocumentedName(expr.type())) +
                    "\" for range query, must be Scalar or instant Vector");
  }
  return Run(storage, expr, start, end, step_ms, options, [&](Evaluator& ev) {
    std::unordered_map<LabelSet, size_t, LabelSetHash> index;
    Value out;
    out.type = ValueType::kMatrix;
    for (Timestamp t = start; t <= end; t += step_ms) {
      ev.CheckDeadline();
      Value v = ev.Eval(expr, t);
      if (v.type == ValueType::kScalar) {
        v.type = ValueType::kVector;
        v.vector.push_back({LabelSet{}, v.scalar, t, false, nullptr});
      }
      FinishVector(v.vector);
      for (VectorElement& e : v.vector) {
        auto [it, fresh] = index.try_emplace(e.labels, out.matrix.size());
        if (fresh) out.matrix.push_back({e.labels, {}, false, {}});
        if (e.h)
          out.matrix[it->second].histograms.push_back({t, e.h});
        else
          out.matrix[it->second].samples.push_back({t, e.v});
      }
    }
    std::sort(out.matrix.begin(), out.matrix.end(),
              [](const MatrixSeries& a, const MatrixSeries& b) { return a.labels < b.labels; });
    return out;
  });
}

}  // namespace fw::metrics::promql
