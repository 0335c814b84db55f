#include "metrics/promql/functions.h"

#include <algorithm>

namespace fw::metrics::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

std::vector<FunctionInfo> BuildTable() {
  std::vector<FunctionInfo> t = {
      {"abs", {V}},
      {"absent", {V}},
      {"absent_over_time", {M}},
      {"acos", {V}},
      {"acosh", {V}},
      {"asin", {V}},
      {"asinh", {V}},
      {"atan", {V}},
      {"atanh", {V}},
      {"avg_over_time", {M}},
      {"ceil", {V}},
      {"changes", {M}},
      {"clamp", {V, S, S}},
      {"clamp_max", {V, S}},
      {"clamp_min", {V, S}},
      {"cos", {V}},
      {"cosh", {V}},
      {"count_over_time", {M}},
      {"day_of_month", {V}, 1},
      {"day_of_week", {V}, 1},
      {"day_of_year", {V}, 1},
      {"days_in_month", {V}, 1},
      {"deg", {V}},
      {"delta", {M}},
      {"deriv", {M}},
      {"double_exponential_smoothing", {M, S, S}, 0, V, true},
      {"exp", {V}},
      {"first_over_time", {M}, 0, V, true},
      {"floor", {V}},
      {"histogram_avg", {V}},
      {"histogram_count", {V}},
      {"histogram_fraction", {S, S, V}},
      {"histogram_quantile", {S, V}},
      {"histogram_stddev", {V}},
      {"histogram_stdvar", {V}},
      {"histogram_sum", {V}},
      {"hour", {V}, 1},
      {"idelta", {M}},
      {"increase", {M}},
      {"info", {V, V}, 1, V, true},
      {"irate", {M}},
      {"label_join", {V, Str, Str, Str}, -1},
      {"label_replace", {V, Str, Str, Str, Str}},
      {"last_over_time", {M}},
      {"ln", {V}},
      {"log10", {V}},
      {"log2", {V}},
      {"mad_over_time", {M}, 0, V, true},
      {"max_over_time", {M}},
      {"min_over_time", {M}},
      {"minute", {V}, 1},
      {"month", {V}, 1},
      {"pi", {}, 0, S},
      {"predict_linear", {M, S}},
      {"present_over_time", {M}},
      {"quantile_over_time", {S, M}},
      {"rad", {V}},
      {"rate", {M}},
      {"resets", {M}},
      {"round", {V, S}, 1},
      {"scalar", {V}, 0, S},
      {"sgn", {V}},
      {"sin", {V}},
      {"sinh", {V}},
      {"sort", {V}},
      {"start_timestamp", {V}, 0, V, true},
      {"sort_by_label", {V, Str}, -1, V, true},
      {"sort_by_label_desc", {V, Str}, -1, V, true},
      {"sort_desc", {V}},
      {"sqrt", {V}},
      {"stddev_over_time", {M}},
      {"stdvar_over_time", {M}},
      {"sum_over_time", {M}},
      {"tan", {V}},
      {"tanh", {V}},
      {"time", {}, 0, S},
      {"timestamp", {V}},
      {"ts_of_first_over_time", {M}, 0, V, true},
      {"ts_of_last_over_time", {M}, 0, V, true},
      {"ts_of_max_over_time", {M}, 0, V, true},
      {"ts_of_min_over_time", {M}, 0, V, true},
      {"vector", {S}},
      {"year", {V}, 1},
      // Query-parameter functions and scalar helpers of recent Prometheus
      // releases (duration expressions); start() and end() also follow @.
      {"end", {}, 0, S, true},
      {"range", {}, 0, S, true},
      {"start", {}, 0, S, true},
      {"step", {}, 0, S, true},
      {"max_of", {S, S}, 0, S, true},
      {"min_of", {S, S}, 0, S, true},
      // histogram_quantiles(v, "label", q1, q2, ...): one output series per quantile.
      {"histogram_quantiles", {V, Str, S, S}, -1, V, true},
  };
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return t;
}

}  // namespace

std::string_view DocumentedName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

const std::vector<FunctionInfo>& AllFunctions() {
  static const std::vector<FunctionInfo> table = BuildTable();
  return table;
}

const FunctionInfo* LookupFunction(std::string_view name) {
  const auto& t = AllFunctions();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const FunctionInfo& f, std::string_view n) { return f.name < n; });
  return it != t.end() && it->name == name ? &*it : nullptr;
}

}  // namespace fw::metrics::promql
