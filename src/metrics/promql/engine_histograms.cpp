// Native histograms in the evaluator: the histogram_* functions, range
// functions over histogram samples, and the helpers the other evaluator
// files use to pass histograms along or leave them out.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/engine_internal.h"
#include "metrics/promql/histogram_stats.h"
#include "metrics/promql/range_functions.h"

namespace fw::metrics::promql {
namespace {

constexpr const char* kMixedSchemas =
    "PromQL warning: vector contains a mix of histograms with exponential and custom buckets "
    "schemas";
std::string Fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// rate/increase/delta of histogram samples, extrapolated as for floats.
// Null with too few samples, or (setting `incompatible`) when exponential
// and custom buckets would have to meet.
HistogramPtr HistogramRate(const std::vector<HistogramSample>& s, Timestamp range_start,
                           Timestamp range_end, bool counter, bool rate, bool& incompatible) {
  if (s.size() < 2) return nullptr;
  // last - first + the value before each reset; a reset right after the
  // first sample cancels it out (so a layout change there does not clash).
  auto result = std::make_shared<FloatHistogram>(*s.back().h);
  bool first_cancelled = false;
  for (size_t i = 1; counter && i < s.size(); ++i) {
    if (!s[i].h->DetectReset(*s[i - 1].h)) continue;
    if (i == 1) {
      first_cancelled = true;
    } else if (!result->Add(*s[i - 1].h, 1)) {
      incompatible = true;
      return nullptr;
    }
  }
  if (!first_cancelled && !result->Add(*s.front().h, -1)) {
    incompatible = true;
    return nullptr;
  }
  // The extrapolation factor, from floats at the same times: for counters
  // the count (so that extrapolation stops where the count would reach
  // zero), else 0 ... 0 1.
  const double first = s.front().h->count, delta = result->count;
  const bool by_count = counter && delta > 0 && first >= 0;
  std::vector<Sample> unit;
  for (const HistogramSample& h : s) unit.push_back({h.t, by_count ? first : 0});
  unit.back().v = by_count ? first + delta : 1;
  double factor = ExtrapolatedRate(unit, range_start, range_end, by_count, rate).value_or(NAN);
  if (by_count) factor /= unit.back().v - first;
  result->Scale(factor);
  result->hint = FloatHistogram::Hint::kGauge;
  result->Compact();
  return result;
}

// sum_over_time (or avg) of histogram samples; null if layouts clash.
// Sums (or averages) histograms, their sum field with compensated
// summation. Null if exponential and custom buckets meet; `reconciled` is
// set if differing custom bounds were reconciled.
HistogramPtr SumOf(const std::vector<const FloatHistogram*>& hs, bool avg, bool& reconciled,
                   double pre_scale = 1) {
  auto sum = std::make_shared<FloatHistogram>(*hs.front());
  sum->Scale(pre_scale);
  KahanSum field;
  field.Add(hs.front()->sum * pre_scale);
  for (size_t i = 1; i < hs.size(); ++i) {
    FloatHistogram term = *hs[i];
    term.Scale(pre_scale);
    if (!sum->Add(term, 1, &reconciled)) return nullptr;
    field.Add(term.sum);
  }
  sum->sum = field.value();
  const double n = static_cast<double>(hs.size());
  if (avg && pre_scale == 1 && std::isinf(sum->count)) {
    return SumOf(hs, false, reconciled, 1 / n);  // the mean without overflowing
  }
  if (avg && pre_scale == 1) sum->Scale(1 / n);
  sum->hint = FloatHistogram::Hint::kGauge;
  sum->Compact();
  return sum;
}

// changes() or resets() over floats and histograms together: a switch
// between the two counts as both a change and a reset.
double ChangesOrResets(bool resets, const MatrixSeries& s) {
  struct P {
    Timestamp t;
    double v;
    const FloatHistogram* h;
  };
  std::vector<P> all;
  for (const Sample& x : s.samples) all.push_back({x.t, x.v, nullptr});
  for (const HistogramSample& x : s.histograms) all.push_back({x.t, 0, x.h.get()});
  std::sort(all.begin(), all.end(), [](const P& a, const P& b) { return a.t < b.t; });
  double n = 0;
  for (size_t i = 1; i < all.size(); ++i) {
    const P &prev = all[i - 1], &cur = all[i];
    if ((prev.h == nullptr) != (cur.h == nullptr)) {
      n += 1;
    } else if (cur.h) {
      n += resets ? cur.h->DetectReset(*prev.h) : !HistogramsAlmostEqual(*cur.h, *prev.h, 0);
    } else if (resets) {
      n += cur.v < prev.v;
    } else {
      n += cur.v != prev.v && !(std::isnan(cur.v) && std::isnan(prev.v));
    }
  }
  return n;
}

}  // namespace

bool Evaluator::InstantHistogramRate(std::string_view fn, const MatrixSeries& s, Timestamp t,
                                     Vector& out) {
  const std::string name(s.labels.Get(kMetricNameLabel));
  const bool irate = fn == "irate";
  const auto& hs = s.histograms;
  if (hs.size() + s.samples.size() < 2) return true;
  const bool last_float = !s.samples.empty() && s.samples.back().t > hs.back().t;
  if (last_float && (s.samples.size() >= 2 && s.samples[s.samples.size() - 2].t > hs.back().t))
    return false;  // the last two samples are floats
  if (last_float || hs.size() < 2 ||
      (!s.samples.empty() && s.samples.back().t > hs[hs.size() - 2].t)) {
    Warn("PromQL warning: encountered a mix of histograms and floats for metric name \"" + name +
         "\"");
    return true;
  }
  const FloatHistogram &prev = *hs[hs.size() - 2].h, &cur = *hs.back().h;
  const bool prev_gauge = prev.hint == FloatHistogram::Hint::kGauge;
  const bool cur_gauge = cur.hint == FloatHistogram::Hint::kGauge;
  if (irate && (prev_gauge || cur_gauge))
    Warn("PromQL warning: this native histogram metric is not a counter: \"" + name + "\"");
  if (!irate && !(prev_gauge && cur_gauge))
    Warn("PromQL warning: this native histogram metric is not a gauge: \"" + name + "\"");
  auto h = std::make_shared<FloatHistogram>(cur);
  if (!(irate && cur.DetectReset(prev))) {
    bool reconciled = false;
    if (!h->Add(prev, -1, &reconciled)) {
      Warn(
          "PromQL warning: vector contains a mix of histograms with exponential and custom "
          "buckets schemas for metric name \"" +
          name + "\"");
      return true;
    }
    if (reconciled)
      Info("PromQL info: mismatched custom buckets were reconciled during subtraction");
  }
  if (irate) h->Scale(1000.0 / static_cast<double>(hs.back().t - hs[hs.size() - 2].t));
  h->hint = FloatHistogram::Hint::kGauge;
  h->Compact();
  out.push_back({s.labels, 0, t, true, h});
  return true;
}

HistogramPtr Evaluator::HistogramRateOf(std::string_view fn, const MatrixSeries& s,
                                        Timestamp range_start, Timestamp range_end) {
  const std::string name(s.labels.Get(kMetricNameLabel));
  const bool counter = fn != "delta";
  bool gauge = false;
  for (const HistogramSample& x : s.histograms) gauge |= x.h->hint == FloatHistogram::Hint::kGauge;
  if (counter && gauge) {
    Warn("PromQL warning: this native histogram metric is not a counter: \"" + name + "\"");
  } else if (!counter && !gauge) {
    Warn("PromQL warning: this native histogram metric is not a gauge: \"" + name + "\"");
  }
  bool incompatible = false;
  HistogramPtr h =
      HistogramRate(s.histograms, range_start, range_end, counter, fn == "rate", incompatible);
  if (incompatible) Warn(std::string(kMixedSchemas) + " for metric name \"" + name + "\"");
  return h;
}

bool Evaluator::RangeOverHistograms(std::string_view fn, const MatrixSeries& s,
                                    Timestamp range_start, Timestamp range_end, Timestamp t,
                                    Vector& out) {
  const std::string name(s.labels.Get(kMetricNameLabel));
  const bool mixed = !s.samples.empty();
  const HistogramSample &first = s.histograms.front(), &last = s.histograms.back();
  auto emit = [&](double v, HistogramPtr h, bool drop) {
    out.push_back({s.labels, v, t, drop ? true : s.drop_name, std::move(h)});
    return true;
  };
  if (fn == "irate" || fn == "idelta") return InstantHistogramRate(fn, s, t, out);
  if (fn == "changes" || fn == "resets")
    return emit(ChangesOrResets(fn == "resets", s), nullptr, true);
  if (fn == "count_over_time")
    return emit(static_cast<double>(s.samples.size() + s.histograms.size()), nullptr, true);
  if (fn == "present_over_time") return emit(1, nullptr, true);
  if (fn == "last_over_time" || fn == "ts_of_last_over_time") {
    if (mixed && s.samples.back().t > last.t) return false;
    if (fn == "ts_of_last_over_time") return emit(last.t / 1000.0, nullptr, true);
    return emit(0, last.h, false);
  }
  if (fn == "first_over_time" || fn == "ts_of_first_over_time") {
    if (mixed && s.samples.front().t < first.t) return false;
    if (fn == "ts_of_first_over_time") return emit(first.t / 1000.0, nullptr, true);
    return emit(0, first.h, false);
  }
  const bool needs_all = fn == "rate" || fn == "increase" || fn == "delta" ||
                         fn == "sum_over_time" || fn == "avg_over_time";
  if (!needs_all) {
    if (mixed) {
      Info(
          "PromQL info: ignored histograms in a range containing both floats and histograms "
          "for metric name \"" +
          name + "\"");
    }
    return !mixed;
  }
  if (mixed) {
    Warn("PromQL warning: encountered a mix of histograms and floats for metric name \"" + name +
         "\"");
    return true;
  }
  HistogramPtr h;
  if (fn == "sum_over_time" || fn == "avg_over_time") {
    std::vector<const FloatHistogram*> hs;
    for (const HistogramSample& x : s.histograms) hs.push_back(x.h.get());
    bool reconciled = false;
    h = SumOf(hs, fn == "avg_over_time", reconciled);
    if (reconciled) {
      Info("PromQL info: mismatched custom buckets were reconciled during aggregation");
    }
    if (!h) Warn(kMixedSchemas);
  } else {
    h = HistogramRateOf(fn, s, range_start, range_end);
  }
  if (h) emit(0, h, true);
  return true;
}

bool Evaluator::BinaryWithHistograms(BinaryOp op, bool return_bool, double lf,
                                     const HistogramPtr& lh, double rf, const HistogramPtr& rh,
                                     double& v, HistogramPtr& h) {
  if (lh && rh) {
    if (op == BinaryOp::kAdd || op == BinaryOp::kSub) {
      auto r = std::make_shared<FloatHistogram>(*lh);
      bool reconciled = false;
      if (!r->Add(*rh, op == BinaryOp::kAdd ? 1 : -1, &reconciled)) {
        Warn(kMixedSchemas);
        return false;
      }
      if (reconciled) {
        Info(std::string("PromQL info: mismatched custom buckets were reconciled during ") +
             (op == BinaryOp::kAdd ? "addition" : "subtraction"));
      }
      r->hint = FloatHistogram::Hint::kGauge;
      r->Compact();
      h = r;
      return true;
    }
    if (op == BinaryOp::kEql || op == BinaryOp::kNeq) {
      const bool equal = HistogramsAlmostEqual(*lh, *rh, 0);
      const bool keep = (op == BinaryOp::kEql) == equal;
      if (return_bool) return v = keep ? 1 : 0, true;
      h = lh;
      return keep;
    }
  } else if (lh && (op == BinaryOp::kMul || op == BinaryOp::kDiv)) {
    h = Scaled(*lh, op == BinaryOp::kMul ? rf : 1 / rf);
    return true;
  } else if (rh && op == BinaryOp::kMul) {
    h = Scaled(*rh, lf);
    return true;
  }
  Info("PromQL info: incompatible sample types encountered for binary operator \"" +
       std::string(ToString(op)) + "\": " + (lh ? "histogram " : "float ") +
       std::string(ToString(op)) + (rh ? " histogram" : " float"));
  return false;
}

void Evaluator::FilterAggregateInput(AggregateOp op, Vector& in) {
  switch (op) {
    case AggregateOp::kMin:
    case AggregateOp::kMax:
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar:
      if (DropHistograms(in))
        Info("PromQL info: ignored histogram in " + std::string(ToString(op)) + " aggregation");
      return;
    default:
      return;
  }
}

bool Evaluator::SumHistograms(bool avg, const LabelSet& key,
                              const std::vector<VectorElement*>& members, Timestamp t,
                              Vector& out) {
  size_t histograms = 0;
  bool drop_name = false;
  for (const VectorElement* m : members) {
    histograms += m->h != nullptr;
    drop_name |= m->drop_name;
  }
  if (histograms == 0) return false;
  if (histograms < members.size()) {
    Warn(std::string("PromQL warning: encountered a mix of histograms and floats for ") +
         (avg ? "avg" : "sum") + " aggregation");
    return true;
  }
  std::vector<const FloatHistogram*> hs;
  for (const VectorElement* m : members) hs.push_back(m->h.get());
  bool reconciled = false;
  HistogramPtr sum = SumOf(hs, avg, reconciled);
  if (reconciled) Info("PromQL info: mismatched custom buckets were reconciled during aggregation");
  if (!sum) {
    Warn(kMixedSchemas);
    return true;
  }
  out.push_back({key, 0, t, drop_name, sum});
  return true;
}

HistogramPtr Scaled(const FloatHistogram& h, double f) {
  auto out = std::make_shared<FloatHistogram>(h);
  out->Scale(f);
  return out;
}

bool DropHistograms(Vector& v) {
  return std::erase_if(v, [](const VectorElement& e) { return e.h != nullptr; }) > 0;
}

std::vector<std::pair<LabelSet, std::vector<Bucket>>> Evaluator::ClassicBuckets(const Vector& in) {
  std::map<LabelSet, size_t> index;
  std::vector<std::pair<LabelSet, std::vector<Bucket>>> out;
  for (const VectorElement& e : in) {
    if (e.h) continue;
    const std::string le(e.labels.Get("le"));
    char* end = nullptr;
    const double bound = std::strtod(le.c_str(), &end);
    if (le.empty() || *end != '\0') {
      Warn("PromQL warning: bucket label \"le\" is missing or has a malformed value of \"" + le +
           "\" for metric name \"" + std::string(e.labels.Get(kMetricNameLabel)) + "\"");
      continue;
    }
    LabelSet key = e.labels;
    key.Set("le", "");
    auto [it, fresh] = index.try_emplace(key, out.size());
    if (fresh) out.emplace_back(std::move(key), std::vector<Bucket>{});
    out[it->second].second.push_back({bound, e.v});
  }
  return out;
}

void Evaluator::DropMixedHistograms(const Vector& in,
                                    std::vector<std::pair<LabelSet, std::vector<Bucket>>>& classic,
                                    Vector& native) {
  std::set<LabelSet> mixed;
  for (const VectorElement& e : in) {
    if (!e.h) continue;
    for (const auto& [key, buckets] : classic) {
      if (key == e.labels) mixed.insert(key);
    }
  }
  for (const LabelSet& key : mixed) {
    Warn(
        "PromQL warning: vector contains a mix of classic and native histograms for metric name "
        "\"" +
        std::string(key.Get(kMetricNameLabel)) + "\"");
  }
  std::erase_if(classic, [&](const auto& g) { return mixed.count(g.first) > 0; });
  std::erase_if(native, [&](const VectorElement& e) { return mixed.count(e.labels) > 0; });
}

Vector Evaluator::Quantiles(double phi, const Vector& in, Timestamp t) {
  Vector out;
  for (const VectorElement& e : in) {
    if (!e.h) continue;
    const double v = HistogramQuantile(phi, *e.h);
    if (std::isnan(e.h->sum) && e.h->count > 0) {
      Info(
          std::string("PromQL info: input to histogram_quantile has NaN observations, result is ") +
          (std::isnan(v) ? "NaN" : "skewed higher") + " for metric name \"" +
          std::string(e.labels.Get(kMetricNameLabel)) + "\"");
    }
    out.push_back({e.labels, v, t, true, nullptr});
  }
  auto classic = ClassicBuckets(in);
  DropMixedHistograms(in, classic, out);
  for (auto& [key, buckets] : classic) {
    BucketQuantileResult r = BucketQuantile(phi, std::move(buckets));
    if (r.forced_monotonic) {
      Info(
          "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
          "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) "
          "for metric name \"" +
          std::string(key.Get(kMetricNameLabel)) + "\"");
    }
    out.push_back({key, r.value, t, true, nullptr});
  }
  return out;
}

Vector Evaluator::Fractions(double lower, double upper, const Vector& in, Timestamp t) {
  Vector out;
  for (const VectorElement& e : in) {
    if (!e.h) continue;
    if (std::isnan(e.h->sum) && e.h->count > 0) {
      Info(
          "PromQL info: input to histogram_fraction has NaN observations, which are excluded from "
          "all fractions for metric name \"" +
          std::string(e.labels.Get(kMetricNameLabel)) + "\"");
    }
    out.push_back({e.labels, HistogramFraction(lower, upper, *e.h), t, true, nullptr});
  }
  auto classic = ClassicBuckets(in);
  DropMixedHistograms(in, classic, out);
  for (auto& [key, buckets] : classic) {
    const FloatHistogram h = FromClassicBuckets(std::move(buckets));
    const double v = std::isnan(h.count) ? NAN : HistogramFraction(lower, upper, h);
    out.push_back({key, v, t, true, nullptr});
  }
  return out;
}

void Evaluator::EvalHistogramFunction(const Call& c, Timestamp t, Value& out) {
  const std::string_view fn = c.func->name;
  auto check_phi = [&](double q) {
    if (q < 0 || q > 1 || std::isnan(q))
      Warn("PromQL warning: quantile value should be between 0 and 1, got " + Fmt(q));
  };
  if (fn == "histogram_quantile") {
    const double phi = EvalScalar(*c.args[0], t);
    check_phi(phi);
    out.vector = Quantiles(phi, EvalVector(*c.args[1], t), t);
    return;
  }
  if (fn == "histogram_fraction") {
    const double lower = EvalScalar(*c.args[0], t), upper = EvalScalar(*c.args[1], t);
    out.vector = Fractions(lower, upper, EvalVector(*c.args[2], t), t);
    return;
  }
  if (fn == "histogram_quantiles") {
    const Vector in = EvalVector(*c.args[0], t);
    const std::string label = Eval(*c.args[1], t).str;
    for (size_t i = 2; i < c.args.size(); ++i) {
      const double q = EvalScalar(*c.args[i], t);
      check_phi(q);
      std::string text = FormatFloatFixed(q);
      if (text.find_first_of(".eIN") == std::string::npos) text += ".0";
      for (VectorElement& e : Quantiles(q, in, t)) {
        e.labels.Set(label, text);
        out.vector.push_back(std::move(e));
      }
    }
    return;
  }
  for (VectorElement& e : EvalVector(*c.args[0], t)) {
    if (!e.h) continue;
    const FloatHistogram& h = *e.h;
    double v = NAN;
    if (fn == "histogram_count")
      v = h.count;
    else if (fn == "histogram_sum")
      v = h.sum;
    else if (fn == "histogram_avg")
      v = h.sum / h.count;
    else if (fn == "histogram_stdvar")
      v = HistogramVariance(h);
    else if (fn == "histogram_stddev")
      v = std::sqrt(HistogramVariance(h));
    out.vector.push_back({e.labels, v, t, true, nullptr});
  }
}

}  // namespace fw::metrics::promql
