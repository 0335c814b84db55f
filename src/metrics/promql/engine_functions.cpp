// Function calls. Most functions drop the metric name (delayed, see
// value.h); sort*, label_* and first/last_over_time keep it.

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <numbers>

#include "metrics/promql/bucket_quantile.h"
#include "metrics/promql/engine_internal.h"
#include "metrics/promql/range_functions.h"

namespace fw::metrics::promql {
namespace {

using RangeFn = std::function<std::optional<double>(std::span<const Sample>)>;

const std::map<std::string_view, double (*)(double)>& MathFunctions() {
  static const std::map<std::string_view, double (*)(double)> kFns = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sgn", [](double v) { return v > 0   ? 1.0
                                    : v < 0 ? -1.0
                                            : v; }},
      {"deg", [](double v) { return v * 180 / std::numbers::pi; }},
      {"rad", [](double v) { return v * std::numbers::pi / 180; }},
      {"sin", [](double v) { return std::sin(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
  };
  return kFns;
}

// Date parts of a Unix time in seconds, in UTC.
double DatePart(std::string_view fn, double seconds) {
  const std::time_t tt = static_cast<std::time_t>(std::floor(seconds));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  if (fn == "minute") return tm.tm_min;
  if (fn == "hour") return tm.tm_hour;
  if (fn == "day_of_month") return tm.tm_mday;
  if (fn == "day_of_week") return tm.tm_wday;
  if (fn == "day_of_year") return tm.tm_yday + 1;
  if (fn == "month") return tm.tm_mon + 1;
  if (fn == "year") return tm.tm_year + 1900;
  // days_in_month
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int y = tm.tm_year + 1900;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[tm.tm_mon] + (tm.tm_mon == 1 && leap ? 1 : 0);
}

bool IsDateFunction(std::string_view fn) {
  return fn == "minute" || fn == "hour" || fn == "day_of_month" || fn == "day_of_week" ||
         fn == "day_of_year" || fn == "month" || fn == "year" || fn == "days_in_month";
}

// Labels absent()/absent_over_time() report: the selector's equality
// matchers, except names matched more than once.
LabelSet AbsentLabels(const Expr& arg) {
  const Expr* e = &arg;
  if (e->kind == NodeKind::kMatrixSelector) e = e->As<MatrixSelector>().selector.get();
  LabelSet out;
  if (e->kind != NodeKind::kVectorSelector) return out;
  std::map<std::string, int> seen;
  for (const LabelMatcher& m : e->As<VectorSelector>().matchers) {
    if (m.name == kMetricNameLabel) continue;
    if (++seen[m.name] > 1) continue;
    if (m.type == MatchType::kEqual) out.Set(m.name, m.value);
  }
  for (const auto& [name, n] : seen) {
    if (n > 1) out.Set(name, "");
  }
  return out;
}

// Go regexp's Expand: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(std::string_view tmpl, const RE2& re,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    if (tmpl[j] == '{') {
      const size_t close = tmpl.find('}', j);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      while (j < tmpl.size() &&
             (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) {
        name += tmpl[j++];
      }
    }
    if (name.empty()) {
      out += tmpl[i];
      continue;
    }
    int index = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      index = std::atoi(name.c_str());
    } else {
      auto it = re.NamedCapturingGroups().find(name);
      if (it != re.NamedCapturingGroups().end()) index = it->second;
    }
    if (index >= 0 && index < static_cast<int>(groups.size())) {
      out.append(groups[index].data(), groups[index].size());
    }
    i = j - 1;
  }
  return out;
}

bool ValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    if (!(c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
          (i > 0 && std::isdigit(static_cast<unsigned char>(c))))) {
      return false;
    }
  }
  return true;
}

// Natural order: digit runs compare as numbers ("a2" < "a10").
bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// Go's math.Min / math.Max: NaN wins.
double GoMin(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); }
double GoMax(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }

// Time (s) of the last sample holding the minimum or maximum; NaN loses.
std::string GoFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Value Evaluator::EvalCall(const Call& c, Timestamp t) {
  const std::string_view fn = c.func->name;
  Value out;
  out.type = ValueType::kVector;
  auto scalar_arg = [&](size_t i, double fallback) {
    return i < c.args.size() ? EvalScalar(*c.args[i], t) : fallback;
  };

  // Scalar-valued and argument-less functions.
  if (fn == "time") return Value{ValueType::kScalar, t / 1000.0, {}, {}, {}};
  if (fn == "pi") return Value{ValueType::kScalar, std::numbers::pi, {}, {}, {}};
  if (fn == "start") return Value{ValueType::kScalar, query_start() / 1000.0, {}, {}, {}};
  if (fn == "end") return Value{ValueType::kScalar, query_end() / 1000.0, {}, {}, {}};
  if (fn == "range") {
    return Value{ValueType::kScalar, (query_end() - query_start()) / 1000.0, {}, {}, {}};
  }
  if (fn == "step") return Value{ValueType::kScalar, query_step() / 1000.0, {}, {}, {}};
  if (fn == "min_of" || fn == "max_of") {
    const double a = scalar_arg(0, 0), b = scalar_arg(1, 0);
    return Value{ValueType::kScalar, fn == "min_of" ? GoMin(a, b) : GoMax(a, b), {}, {}, {}};
  }
  if (fn == "scalar") {
    Vector v = EvalFloatVector(*c.args[0], t);
    return Value{ValueType::kScalar, v.size() == 1 ? v[0].v : std::nan(""), {}, {}, {}};
  }
  if (fn == "vector") {
    out.vector.push_back({LabelSet{}, EvalScalar(*c.args[0], t), t, false});
    return out;
  }

  // Element-wise functions of an instant vector.
  if (auto it = MathFunctions().find(fn); it != MathFunctions().end()) {
    out.vector = EvalFloatVector(*c.args[0], t);
    for (VectorElement& e : out.vector) {
      e.v = it->second(e.v);
      e.drop_name = true;
    }
    return out;
  }
  if (IsDateFunction(fn)) {
    if (c.args.empty()) {
      out.vector.push_back({LabelSet{}, DatePart(fn, t / 1000.0), t, false});
      return out;
    }
    out.vector = EvalFloatVector(*c.args[0], t);
    for (VectorElement& e : out.vector) {
      e.v = std::isnan(e.v) || std::isinf(e.v) ? e.v : DatePart(fn, e.v);
      e.drop_name = true;
    }
    return out;
  }
  if (fn == "round") {
    const double to = scalar_arg(1, 1);
    const double inv = 1 / to;
    out.vector = EvalFloatVector(*c.args[0], t);
    for (VectorElement& e : out.vector) {
      e.v = std::floor(e.v * inv + 0.5) / inv;
      e.drop_name = true;
    }
    return out;
  }
  if (fn == "clamp" || fn == "clamp_min" || fn == "clamp_max") {
    Vector in = EvalFloatVector(*c.args[0], t);
    double lo = -INFINITY, hi = INFINITY;
    if (fn == "clamp") {
      lo = scalar_arg(1, 0);
      hi = scalar_arg(2, 0);
      if (hi < lo) return out;
    } else if (fn == "clamp_min") {
      lo = scalar_arg(1, 0);
    } else {
      hi = scalar_arg(1, 0);
    }
    for (VectorElement& e : in) {
      e.v = GoMax(lo, GoMin(hi, e.v));
      e.drop_name = true;
      out.vector.push_back(std::move(e));
    }
    return out;
  }
  if (fn == "timestamp") {
    out.vector = EvalVector(*c.args[0], t);
    for (VectorElement& e : out.vector) {
      e.v = e.t / 1000.0;
      e.h = nullptr;
      e.drop_name = true;
    }
    return out;
  }
  if (fn == "absent") {
    if (EvalVector(*c.args[0], t).empty()) {
      out.vector.push_back({AbsentLabels(*c.args[0]), 1, t, false});
    }
    return out;
  }
  if (fn.starts_with("sort") && query_step() > 0) {
    Warn("PromQL warning: " + std::string(fn) +
         " is ineffective for range queries since results are always ordered by labels");
  }
  if (fn == "sort" || fn == "sort_desc") {
    out.vector = EvalFloatVector(*c.args[0], t);
    const bool desc = fn == "sort_desc";
    std::stable_sort(out.vector.begin(), out.vector.end(),
                     [desc](const VectorElement& a, const VectorElement& b) {
                       if (std::isnan(a.v)) return false;  // NaN last either way
                       if (std::isnan(b.v)) return true;
                       return desc ? a.v > b.v : a.v < b.v;
                     });
    return out;
  }
  if (fn == "sort_by_label" || fn == "sort_by_label_desc") {
    out.vector = EvalVector(*c.args[0], t);
    std::vector<std::string> names;
    for (size_t i = 1; i < c.args.size(); ++i) names.push_back(Eval(*c.args[i], t).str);
    const bool desc = fn == "sort_by_label_desc";
    std::stable_sort(out.vector.begin(), out.vector.end(),
                     [&](const VectorElement& a, const VectorElement& b) {
                       for (const std::string& n : names) {
                         const std::string_view x = a.labels.Get(n), y = b.labels.Get(n);
                         if (x == y) continue;
                         return desc ? NaturalLess(y, x) : NaturalLess(x, y);
                       }
                       return desc ? b.labels < a.labels : a.labels < b.labels;
                     });
    return out;
  }
  if (fn == "label_replace") {
    const std::string dst = Eval(*c.args[1], t).str;
    const std::string repl = Eval(*c.args[2], t).str;
    const std::string src = Eval(*c.args[3], t).str;
    const std::string regex = Eval(*c.args[4], t).str;
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    RE2 re("^(?:" + regex + ")$", opts);
    if (!re.ok()) {
      Throw(ErrorCode::kInvalidArgument, "invalid regular expression in label_replace(): " + regex);
    }
    if (!ValidLabelName(dst)) {
      Throw(ErrorCode::kInvalidArgument,
            "invalid destination label name in label_replace(): " + dst);
    }
    out.vector = EvalVector(*c.args[0], t);
    std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
    for (VectorElement& e : out.vector) {
      const std::string value(e.labels.Get(src));
      if (!re.Match(value, 0, value.size(), RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size()))) {
        continue;
      }
      e.labels.Set(dst, ExpandTemplate(repl, re, groups));
      if (dst == kMetricNameLabel) e.drop_name = false;
    }
    return out;
  }
  if (fn == "label_join") {
    const std::string dst = Eval(*c.args[1], t).str;
    const std::string sep = Eval(*c.args[2], t).str;
    std::vector<std::string> srcs;
    for (size_t i = 3; i < c.args.size(); ++i) srcs.push_back(Eval(*c.args[i], t).str);
    if (!ValidLabelName(dst)) {
      Throw(ErrorCode::kInvalidArgument, "invalid destination label name in label_join(): " + dst);
    }
    out.vector = EvalVector(*c.args[0], t);
    for (VectorElement& e : out.vector) {
      std::string joined;
      for (size_t i = 0; i < srcs.size(); ++i) {
        if (i) joined += sep;
        joined += e.labels.Get(srcs[i]);
      }
      e.labels.Set(dst, joined);
      if (dst == kMetricNameLabel) e.drop_name = false;
    }
    return out;
  }
  if (fn.starts_with("histogram_")) {
    EvalHistogramFunction(c, t, out);
    return out;
  }
  if (fn == "info") return Eval(*c.args[0], t);

  // Functions of a range vector.
  if (fn == "absent_over_time") {
    if (EvalMatrix(*c.args[0], t).empty()) {
      out.vector.push_back({AbsentLabels(*c.args[0]), 1, t, false});
    }
    return out;
  }
  if (c.args.empty()) {
    Throw(ErrorCode::kInvalidArgument, "function \"" + std::string(fn) + "\" is not supported yet");
  }
  Timestamp range_end = t;
  int64_t range_ms = 0;
  const Expr* arg = c.args[0].get();
  while (arg->kind == NodeKind::kParen) arg = arg->As<ParenExpr>().expr.get();
  if (arg->kind == NodeKind::kMatrixSelector) {
    const auto& m = arg->As<MatrixSelector>();
    range_end = RefTime(m.selector->at, m.selector->offset_ms, t);
    range_ms = m.range_ms;
  } else if (arg->kind == NodeKind::kSubquery) {
    const auto& s = arg->As<SubqueryExpr>();
    range_end = RefTime(s.at, s.offset_ms, t);
    range_ms = s.range_ms;
  }
  if (RangeFunctionAllSteps(c, t, out.vector)) return out;
  const bool keeps_name = fn == "last_over_time" || fn == "first_over_time";
  RangeFn f;
  if (RangeKernel kernel = SimpleRangeKernel(fn)) {
    f = [=](std::span<const Sample> s) { return kernel(s, range_end - range_ms, range_end); };
  } else if (fn == "predict_linear") {
    const double secs = scalar_arg(1, 0);
    f = [=](std::span<const Sample> s) { return PredictLinear(s, secs, t); };
  } else if (fn == "double_exponential_smoothing" || fn == "holt_winters") {
    const double sf = scalar_arg(1, 0), tf = scalar_arg(2, 0);
    if (!(sf > 0 && sf < 1)) {
      Throw(ErrorCode::kInvalidArgument,
            "invalid smoothing factor. Expected: 0 < sf < 1, got: " + std::to_string(sf));
    }
    if (!(tf > 0 && tf < 1)) {
      Throw(ErrorCode::kInvalidArgument,
            "invalid trend factor. Expected: 0 < tf < 1, got: " + std::to_string(tf));
    }
    f = [=](std::span<const Sample> s) { return DoubleExponentialSmoothing(s, sf, tf); };
  } else if (fn == "quantile_over_time") {
    const double phi = scalar_arg(0, 0);
    if (phi < 0 || phi > 1 || std::isnan(phi)) {
      Warn("PromQL warning: quantile value should be between 0 and 1, got " + GoFloat(phi));
    }
    arg = c.args[1].get();
    f = [=](std::span<const Sample> s) { return QuantileOverTime(phi, s); };
  } else {
    Throw(ErrorCode::kInvalidArgument, "function \"" + std::string(fn) + "\" is not supported yet");
  }
  const Matrix m = EvalMatrix(*arg, t);
  const bool counter_fn = fn == "rate" || fn == "increase" || fn == "irate";
  for (const MatrixSeries& s : m) {
    if (!s.histograms.empty() &&
        RangeOverHistograms(fn, s, range_end - range_ms, range_end, t, out.vector)) {
      continue;
    }
    if (s.samples.empty()) continue;
    if (counter_fn && arg->kind == NodeKind::kMatrixSelector) WarnIfNotCounter(s.labels);
    std::optional<double> v = f(s.samples);
    if (!v) continue;
    out.vector.push_back({s.labels, *v, t, keeps_name ? s.drop_name : true});
  }
  return out;
}

}  // namespace fw::metrics::promql
