#include "server/self_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace fw::server {

namespace {

bool IsMetricNameChar(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

void CheckMetricName(std::string_view name) {
  bool ok = !name.empty();
  for (size_t i = 0; ok && i < name.size(); ++i) ok = IsMetricNameChar(name[i], i == 0);
  if (!ok) throw std::logic_error("invalid metric name \"" + std::string(name) + "\"");
}

void CheckLabelNames(std::string_view metric, const LabelSet& labels) {
  for (const Label& l : labels.labels()) {
    bool ok = !l.name.empty() && !l.name.starts_with("__");
    for (size_t i = 0; ok && i < l.name.size(); ++i) {
      ok = l.name[i] != ':' && IsMetricNameChar(l.name[i], i == 0);
    }
    if (!ok) {
      throw std::logic_error("invalid label name \"" + l.name + "\" on metric \"" +
                             std::string(metric) + "\"");
    }
  }
}

// HELP text escapes only backslash and newline (quotes are literal there).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void CheckBuckets(const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw std::logic_error("histogram buckets must be finite and strictly increasing");
    }
  }
}

void AppendSample(std::string& out, std::string_view name, const LabelSet& labels, double v) {
  out += name;
  if (!labels.empty()) out += labels.ToString();
  out += ' ';
  out += FormatSampleValue(v);
  out += '\n';
}

}  // namespace

void Counter::Inc(double v) {
  if (!(v >= 0)) return;  // also rejects NaN
  value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  CheckBuckets(bounds_);
}

void Histogram::Observe(double v) {
  // First bucket whose upper bound is >= v ("le" is inclusive); NaN lands in +Inf.
  const size_t i = std::isnan(v)
                       ? bounds_.size()
                       : std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string FormatSampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buf, end);
}

const char* SelfMetrics::TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

SelfMetrics::Family& SelfMetrics::FamilyFor(std::string_view name, std::string_view help, Type type,
                                            const LabelSet& labels) {
  // Validate before inserting, so that a throw leaves no empty family behind.
  CheckLabelNames(name, labels);
  auto it = families_.find(name);
  if (it == families_.end()) {
    CheckMetricName(name);
    it =
        families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, {}}).first;
  } else if (it->second.type != type) {
    throw std::logic_error("metric \"" + std::string(name) + "\" is a " +
                           TypeName(it->second.type) + ", not a " + TypeName(type));
  }
  return it->second;
}

Counter& SelfMetrics::counter(std::string_view name, std::string_view help, LabelSet labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = FamilyFor(name, help, Type::kCounter, labels);
  auto& slot = f.counters[std::move(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& SelfMetrics::gauge(std::string_view name, std::string_view help, LabelSet labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = FamilyFor(name, help, Type::kGauge, labels);
  auto& slot = f.gauges[std::move(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& SelfMetrics::histogram(std::string_view name, std::string_view help,
                                  std::vector<double> upper_bounds, LabelSet labels) {
  if (labels.Has("le")) {
    throw std::logic_error("histogram \"" + std::string(name) + "\" cannot have a \"le\" label");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const bool is_new = families_.find(name) == families_.end();
  if (is_new) CheckBuckets(upper_bounds);
  Family& f = FamilyFor(name, help, Type::kHistogram, labels);
  if (is_new) {
    f.bounds = upper_bounds;
  } else if (f.bounds != upper_bounds) {
    throw std::logic_error("histogram \"" + std::string(name) + "\" registered with other buckets");
  }
  auto& slot = f.histograms[std::move(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(upper_bounds));
  return *slot;
}

void SelfMetrics::AddCollector(std::function<void()> refresh) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  collectors_.push_back(std::move(refresh));
}

std::string SelfMetrics::Render() const {
  {
    std::lock_guard<std::mutex> collecting(collectors_mu_);
    for (const auto& refresh : collectors_) refresh();
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + TypeName(f.type) + "\n";
    for (const auto& [labels, c] : f.counters) AppendSample(out, name, labels, c->value());
    for (const auto& [labels, g] : f.gauges) AppendSample(out, name, labels, g->value());
    for (const auto& [labels, h] : f.histograms) {
      const std::vector<uint64_t> counts = h->CumulativeCounts();
      const std::string bucket = name + "_bucket";
      for (size_t i = 0; i < counts.size(); ++i) {
        LabelSet with_le = labels;
        with_le.Set("le", i < f.bounds.size() ? FormatSampleValue(f.bounds[i]) : "+Inf");
        AppendSample(out, bucket, with_le, static_cast<double>(counts[i]));
      }
      AppendSample(out, name + "_sum", labels, h->sum());
      AppendSample(out, name + "_count", labels, static_cast<double>(counts.back()));
    }
  }
  return out;
}

}  // namespace fw::server
