#include "sim/labeled_writer.h"

namespace fw::sim {
namespace {

// The writer's pre-rendered `a="x",b="y"` (escaped) as labels, with __name__.
LabelSet Parse(const std::string& name, std::string_view text, std::string_view le = {}) {
  std::vector<Label> out{{"__name__", name}};
  size_t i = 0;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size()) break;
    Label l{std::string(text.substr(i, eq - i)), ""};
    i = eq + 2;  // past ="
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
        l.value += text[i] == 'n' ? '\n' : text[i];
      } else {
        l.value += text[i];
      }
    }
    out.push_back(std::move(l));
    i += 2;  // past ",
  }
  if (!le.empty()) out.push_back({"le", std::string(le)});
  return LabelSet(std::move(out));
}

}  // namespace

const std::vector<LabelSet>& LabeledWriter::Series(const MetricFamily& family,
                                                   std::string_view labels,
                                                   std::span<const double> bounds) {
  std::string key = std::string(family.name) + "{" + std::string(labels);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  std::vector<LabelSet> sets;
  const std::string base = family.name;
  if (family.type != MetricType::kHistogram) {
    sets.push_back(Parse(base, labels));
  } else {
    for (size_t k = 0; k <= bounds.size(); ++k) {
      sets.push_back(
          Parse(base + "_bucket", labels, k < bounds.size() ? FormatValue(bounds[k]) : "+Inf"));
    }
    sets.push_back(Parse(base + "_count", labels));
    sets.push_back(Parse(base + "_sum", labels));
  }
  return cache_.emplace(std::move(key), std::move(sets)).first->second;
}

void LabeledWriter::Sample(const MetricFamily& family, std::string_view labels, double value) {
  sink_(Series(family, labels, {}).front(), value);
}

void LabeledWriter::Histogram(const MetricFamily& family, std::string_view labels,
                              std::span<const double> bounds, std::span<const int64_t> cumulative,
                              double sum) {
  const std::vector<LabelSet>& sets = Series(family, labels, bounds);
  const size_t buckets = sets.size() - 2;
  for (size_t k = 0; k < buckets && k < cumulative.size(); ++k) {
    sink_(sets[k], static_cast<double>(cumulative[k]));
  }
  sink_(sets[buckets], static_cast<double>(cumulative.back()));
  sink_(sets[buckets + 1], sum);
}

}  // namespace fw::sim
