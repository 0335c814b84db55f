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

std::string TextExposition::Labels(std::string_view labels) const {
  if (!as_target_) return std::string(labels);
  // Labels are rendered name="value" pairs; instance values never hold a quote.
  const size_t at = labels.starts_with("instance=\"") ? 0 : labels.find(",instance=\"");
  if (at == std::string_view::npos) return std::string(labels);
  const size_t value = labels.find('"', at) + 1;
  const size_t end = labels.find('"', value) + 1;
  std::string out(labels.substr(0, at));
  std::string_view rest = labels.substr(end);
  if (at == 0 && rest.starts_with(",")) rest.remove_prefix(1);
  out += rest;
  return out;
}

std::string& TextExposition::Body(const MetricFamily& family) {
  for (auto& [f, body] : families_) {
    if (f == &family) return body;
  }
  families_.push_back({&family, ""});
  return families_.back().second;
}

void TextExposition::Sample(const MetricFamily& family, std::string_view labels, double value) {
  if (as_target_ && std::string_view(family.name) == "up") return;
  Line(Body(family), family.name, Labels(labels), value);
}

void TextExposition::Histogram(const MetricFamily& family, std::string_view labels,
                               std::span<const double> bounds, std::span<const int64_t> cumulative,
                               double sum) {
  std::string& out = Body(family);
  const std::string base(family.name);
  const std::string own = Labels(labels);
  const std::string sep = own.empty() ? "" : ",";
  for (size_t b = 0; b < cumulative.size(); ++b) {
    const std::string le = b < bounds.size() ? FormatValue(bounds[b]) : "+Inf";
    Line(out, base + "_bucket", own + sep + "le=\"" + le + "\"",
         static_cast<double>(cumulative[b]));
  }
  Line(out, base + "_sum", own, sum);
  Line(out, base + "_count", own, static_cast<double>(cumulative.back()));
}

std::string TextExposition::Render() const {
  std::string out;
  for (const auto& [f, body] : families_) {
    const char* type = "untyped";
    if (f->type == MetricType::kCounter) type = "counter";
    if (f->type == MetricType::kGauge) type = "gauge";
    if (f->type == MetricType::kHistogram) type = "histogram";
    out += "# HELP " + std::string(f->name) + " " + f->help + "\n";
    out += "# TYPE " + std::string(f->name) + " " + type + "\n";
    out += body;
  }
  return out;
}

}  // namespace fw::sim
