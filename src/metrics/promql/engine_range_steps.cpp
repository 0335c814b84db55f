// Range functions over a matrix selector in a range query, computed for every
// step in one pass per series.
//
// Evaluating step by step means, for each step, searching every series for
// its window and copying the window out: with thousands of series the data
// no longer fits in cache and each step touches all of it again. Here each
// series is walked once, its window sliding forward with the steps, and the
// results are handed out step by step as the evaluator asks for them.

#include <cmath>
#include <map>

#include "metrics/promql/engine_internal.h"
#include "metrics/promql/range_functions.h"

namespace fw::metrics::promql {
namespace {

double TimeOfExtreme(std::span<const Sample> s, bool max) {
  size_t best = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const double v = s[i].v, b = s[best].v;
    if (std::isnan(b) || (!std::isnan(v) && (max ? v >= b : v <= b))) best = i;
  }
  return s[best].t / 1000.0;
}

template <double (*F)(std::span<const Sample>)>
std::optional<double> Always(std::span<const Sample> s, Timestamp, Timestamp) {
  return F(s);
}

template <bool kCounter, bool kRate>
std::optional<double> Extrapolated(std::span<const Sample> s, Timestamp start, Timestamp end) {
  return ExtrapolatedRate(s, start, end, kCounter, kRate);
}

}  // namespace

RangeKernel SimpleRangeKernel(std::string_view fn) {
  using S = std::span<const Sample>;
  static const std::map<std::string_view, RangeKernel> kKernels = {
      {"rate", Extrapolated<true, true>},
      {"increase", Extrapolated<true, false>},
      {"delta", Extrapolated<false, false>},
      {"irate", [](S s, Timestamp, Timestamp) { return InstantRate(s, true); }},
      {"idelta", [](S s, Timestamp, Timestamp) { return InstantRate(s, false); }},
      {"deriv", [](S s, Timestamp, Timestamp) { return Deriv(s); }},
      {"sum_over_time", Always<SumOverTime>},
      {"avg_over_time", Always<AvgOverTime>},
      {"min_over_time", Always<MinOverTime>},
      {"max_over_time", Always<MaxOverTime>},
      {"stddev_over_time", Always<StddevOverTime>},
      {"stdvar_over_time", Always<StdvarOverTime>},
      {"mad_over_time", Always<MadOverTime>},
      {"changes", Always<Changes>},
      {"resets", Always<Resets>},
      {"count_over_time",
       [](S s, Timestamp, Timestamp) { return std::optional<double>(double(s.size())); }},
      {"present_over_time", [](S, Timestamp, Timestamp) { return std::optional<double>(1.0); }},
      {"last_over_time", [](S s, Timestamp, Timestamp) { return std::optional(s.back().v); }},
      {"first_over_time", [](S s, Timestamp, Timestamp) { return std::optional(s.front().v); }},
      {"ts_of_last_over_time",
       [](S s, Timestamp, Timestamp) { return std::optional(s.back().t / 1000.0); }},
      {"ts_of_first_over_time",
       [](S s, Timestamp, Timestamp) { return std::optional(s.front().t / 1000.0); }},
      {"ts_of_min_over_time",
       [](S s, Timestamp, Timestamp) { return std::optional(TimeOfExtreme(s, false)); }},
      {"ts_of_max_over_time",
       [](S s, Timestamp, Timestamp) { return std::optional(TimeOfExtreme(s, true)); }},
  };
  auto it = kKernels.find(fn);
  return it == kKernels.end() ? nullptr : it->second;
}

namespace {

// Walks one series' windows (ref - range, ref] for ascending refs, calling
// emit(step, value) where the kernel yields a value. Staleness markers are
// left out first. Returns whether any window held a sample.
template <typename Emit>
bool SlideWindows(const std::vector<Sample>& samples, const std::vector<Timestamp>& refs,
                  int64_t range, RangeKernel kernel, std::vector<Sample>& live, Emit&& emit) {
  live.clear();
  for (const Sample& x : samples) {
    if (!IsStaleNaN(x.v)) live.push_back(x);
  }
  size_t lo = 0, hi = 0;
  bool any = false;
  for (size_t k = 0; k < refs.size(); ++k) {
    const Timestamp ref = refs[k];
    while (hi < live.size() && live[hi].t <= ref) ++hi;
    while (lo < hi && live[lo].t <= ref - range) ++lo;
    if (lo == hi) continue;
    any = true;
    const std::optional<double> v =
        kernel(std::span<const Sample>(live.data() + lo, hi - lo), ref - range, ref);
    if (v) emit(k, *v);
  }
  return any;
}

bool KeepsName(std::string_view fn) { return fn == "last_over_time" || fn == "first_over_time"; }
bool IsCounterFunction(std::string_view fn) {
  return fn == "rate" || fn == "increase" || fn == "irate";
}

}  // namespace

const MatrixSelector* Evaluator::AllStepsSelector(const Call& c, Timestamp t) const {
  if (step_ <= 0 || end_ <= start_ || subquery_depth_ > 0 || c.args.size() != 1) return nullptr;
  if (t < start_ || t > end_ || (t - start_) % step_ != 0) return nullptr;
  if (!SimpleRangeKernel(c.func->name)) return nullptr;
  const Expr* arg = c.args[0].get();
  while (arg->kind == NodeKind::kParen) arg = arg->As<ParenExpr>().expr.get();
  if (arg->kind != NodeKind::kMatrixSelector) return nullptr;
  return &arg->As<MatrixSelector>();
}

const std::vector<StoredSeries>* Evaluator::FloatSeriesOf(const MatrixSelector& m) {
  const std::vector<StoredSeries>& series = Fetch(*m.selector);
  for (const StoredSeries& s : series) {
    if (!s.histograms.empty()) return nullptr;  // the per-step path handles histograms
  }
  return &series;
}

std::vector<Timestamp> Evaluator::StepRefs(const VectorSelector& vs) const {
  std::vector<Timestamp> refs;
  for (Timestamp t = start_; t <= end_; t += step_) refs.push_back(RefTime(vs.at, vs.offset_ms, t));
  return refs;
}

bool Evaluator::TakeStep(StepResults& steps, Timestamp t, Vector& out) const {
  std::optional<Vector>& step = steps[static_cast<size_t>((t - start_) / step_)];
  if (!step) return false;  // already handed out: evaluate again
  out = std::move(*step);
  step.reset();
  return true;
}

bool Evaluator::RangeFunctionAllSteps(const Call& c, Timestamp t, Vector& out) {
  const MatrixSelector* m = AllStepsSelector(c, t);
  if (!m) return false;
  auto done = call_steps_.find(&c);
  if (done == call_steps_.end()) {
    const std::vector<StoredSeries>* series = FloatSeriesOf(*m);
    if (!series) return false;
    const std::string_view fn = c.func->name;
    const RangeKernel kernel = SimpleRangeKernel(fn);
    const std::vector<Timestamp> refs = StepRefs(*m->selector);
    StepResults steps(refs.size(), Vector{});
    for (auto& step : steps) step->reserve(series->size());  // most series cover most steps
    std::vector<Sample> live;
    for (const StoredSeries& s : *series) {
      const bool any =
          SlideWindows(s.samples, refs, m->range_ms, kernel, live, [&](size_t k, double v) {
            const Timestamp at = start_ + static_cast<Timestamp>(k) * step_;
            steps[k]->push_back({s.labels, v, at, !KeepsName(fn), nullptr});
          });
      if (any && IsCounterFunction(fn)) WarnIfNotCounter(s.labels);
    }
    done = call_steps_.emplace(&c, std::move(steps)).first;
  }
  return TakeStep(done->second, t, out);
}

bool Evaluator::AggregateAllSteps(const AggregateExpr& e, Timestamp t, Vector& out) {
  if ((e.op != AggregateOp::kSum && e.op != AggregateOp::kCount) || e.param) return false;
  const Expr* inner = e.expr.get();
  while (inner->kind == NodeKind::kParen) inner = inner->As<ParenExpr>().expr.get();
  if (inner->kind != NodeKind::kCall) return false;
  const Call& c = inner->As<Call>();
  const MatrixSelector* m = AllStepsSelector(c, t);
  if (!m) return false;
  auto done = aggregate_steps_.find(&e);
  if (done == aggregate_steps_.end()) {
    const std::vector<StoredSeries>* series = FloatSeriesOf(*m);
    if (!series) return false;
    done = aggregate_steps_.emplace(&e, AggregateWindows(e, c, *m, *series)).first;
  }
  return TakeStep(done->second, t, out);
}

Evaluator::StepResults Evaluator::AggregateWindows(const AggregateExpr& e, const Call& c,
                                                   const MatrixSelector& m,
                                                   const std::vector<StoredSeries>& series) {
  // Members are added to their group in series order at every step, as the
  // per-step path does, so compensated sums come out bit for bit the same;
  // groups come out in order of first appearance at each step.
  const std::string_view fn = c.func->name;
  const RangeKernel kernel = SimpleRangeKernel(fn);
  const std::vector<Timestamp> refs = StepRefs(*m.selector);
  std::unordered_map<LabelSet, size_t, LabelSetHash> group_of;
  std::vector<LabelSet> keys;
  struct Cell {
    KahanSum sum;
    double count = 0;
  };
  std::vector<std::vector<Cell>> cells(refs.size());    // [step][group]
  std::vector<std::vector<size_t>> order(refs.size());  // [step] groups seen, in order
  std::vector<Sample> live;
  for (const StoredSeries& s : series) {
    auto [it, fresh] = group_of.try_emplace(GroupKeyOf(e, s.labels), keys.size());
    if (fresh) keys.push_back(it->first);
    const size_t g = it->second;
    const bool any =
        SlideWindows(s.samples, refs, m.range_ms, kernel, live, [&](size_t k, double v) {
          std::vector<Cell>& row = cells[k];
          if (row.size() <= g) row.resize(keys.size());
          if (row[g].count == 0) order[k].push_back(g);
          row[g].sum.Add(v);
          row[g].count += 1;
        });
    if (any && IsCounterFunction(fn)) WarnIfNotCounter(s.labels);
  }
  StepResults steps(refs.size(), Vector{});
  for (size_t k = 0; k < refs.size(); ++k) {
    const Timestamp at = start_ + static_cast<Timestamp>(k) * step_;
    for (size_t g : order[k]) {
      const Cell& cell = cells[k][g];
      const double v = e.op == AggregateOp::kSum ? cell.sum.value() : cell.count;
      steps[k]->push_back({keys[g], v, at, !KeepsName(fn), nullptr});
    }
  }
  return steps;
}

void Evaluator::WarnIfNotCounter(const LabelSet& labels) {
  const std::string_view name = labels.Get(kMetricNameLabel);
  if (!name.empty() && !name.ends_with("_total") && !name.ends_with("_sum") &&
      !name.ends_with("_count") && !name.ends_with("_bucket")) {
    Info(
        "PromQL info: metric might not be a counter, name does not end in "
        "_total/_sum/_count/_bucket: \"" +
        std::string(name) + "\"");
  }
}

}  // namespace fw::metrics::promql
