#include "sim/exposition.h"

namespace fw::sim {
namespace {

void Line(std::string& out, std::string_view name, std::string_view labels, double v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += FormatValue(v);
  out += '\n';
}

}  // namespace

std::string& TextExposition::Body(const MetricFamily& family) {
  for (auto& [f, body] : families_) {
    if (f == &family) return body;
  }
  families_.push_back({&family, ""});
  return families_.back().second;
}

void TextExposition::Sample(const MetricFamily& family, std::string_view labels, double value) {
  Line(Body(family), family.name, labels, value);
}

void TextExposition::Histogram(const MetricFamily& family, std::string_view labels,
                               std::span<const double> bounds, std::span<const int64_t> cumulative,
                               double sum) {
  std::string& out = Body(family);
  const std::string base(family.name);
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t b = 0; b < cumulative.size(); ++b) {
    const std::string le = b < bounds.size() ? FormatValue(bounds[b]) : "+Inf";
    Line(out, base + "_bucket", std::string(labels) + sep + "le=\"" + le + "\"",
         static_cast<double>(cumulative[b]));
  }
  Line(out, base + "_sum", labels, sum);
  Line(out, base + "_count", labels, static_cast<double>(cumulative.back()));
}

std::string TextExposition::Render() const {
  std::string out;
  for (const auto& [f, body] : families_) {
    const char* type = f->type == MetricType::kCounter ? "counter"
                       : f->type == MetricType::kGauge ? "gauge"
                                                       : "histogram";
    out += "# HELP " + std::string(f->name) + " " + f->help + "\n";
    out += "# TYPE " + std::string(f->name) + " " + type + "\n";
    out += body;
  }
  return out;
}

}  // namespace fw::sim
