#include "metrics/promql/nhcb.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace fw::metrics::promql {
namespace {

struct Point {
  std::map<double, double> cumulative;  // le -> cumulative count
  std::optional<double> count, sum;
};

struct Target {
  int line = 0;
  std::map<Timestamp, Point> points;
};

// Splits `name` into its base and the classic suffix, if it has one.
std::pair<std::string, std::string_view> SplitName(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix))
      return {std::string(name.substr(0, name.size() - suffix.size())), suffix};
  }
  return {std::string(name), {}};
}

// A histogram from cumulative bucket counts. Without a +Inf bucket the
// highest bound closes the last bucket.
HistogramPtr Build(const Point& p) {
  if (p.cumulative.empty()) return nullptr;
  auto h = std::make_shared<FloatHistogram>();
  h->schema = kCustomBucketsSchema;
  double prev = 0;
  int32_t index = 0;
  for (const auto& [le, c] : p.cumulative) {
    if (!std::isinf(le)) h->custom_values.push_back(le);
    h->positive.emplace_back(index++, c - prev);
    prev = c;
  }
  h->count = p.count.value_or(prev);
  h->sum = p.sum.value_or(0);
  return h;
}

}  // namespace

std::vector<LoadedSeries> ConvertClassicHistograms(const std::vector<LoadedSeries>& series) {
  std::map<LabelSet, Target> targets;
  std::map<LabelSet, bool> has_buckets;
  for (const LoadedSeries& s : series) {
    auto [base, suffix] = SplitName(s.labels.Get(kMetricNameLabel));
    if (suffix.empty()) continue;
    LabelSet key = s.labels;
    key.Set(kMetricNameLabel, base);
    double le = 0;
    if (suffix == "_bucket") {
      const std::string text(s.labels.Get("le"));
      char* end = nullptr;
      le = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0') continue;
      key.Set("le", "");
      has_buckets[key] = true;
    }
    Target& target = targets[key];
    if (target.line == 0) target.line = s.line;
    for (const Sample& x : s.samples) {
      if (IsStaleNaN(x.v)) continue;
      Point& p = target.points[x.t];
      if (suffix == "_bucket") p.cumulative[le] = x.v;
      if (suffix == "_count") p.count = x.v;
      if (suffix == "_sum") p.sum = x.v;
    }
  }
  std::vector<LoadedSeries> out;
  for (const auto& [labels, target] : targets) {
    if (!has_buckets[labels]) continue;
    LoadedSeries ls{labels, {}, {}, false, target.line};
    for (const auto& [t, p] : target.points) {
      if (HistogramPtr h = Build(p)) ls.histograms.push_back({t, h});
    }
    if (!ls.histograms.empty()) out.push_back(std::move(ls));
  }
  return out;
}

}  // namespace fw::metrics::promql
