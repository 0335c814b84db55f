#include "sim/openmetrics_recorder.h"

#include <cinttypes>

namespace fw::sim {
namespace {

// OpenMetrics wants canonical floats for le: 1.0, not 1.
std::string CanonicalBound(double b) {
  std::string s = FormatValue(b);
  if (s.find_first_of(".eE") == std::string::npos && s != "+Inf") s += ".0";
  return s;
}

std::string FamilyName(const MetricFamily& f) {
  std::string n = f.name;
  if (f.type == MetricType::kCounter && n.size() > 6 && n.ends_with("_total")) {
    n.resize(n.size() - 6);
  }
  return n;
}

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kUntyped:
      return "unknown";
  }
  return "unknown";
}

}  // namespace

OpenMetricsRecorder::Series& OpenMetricsRecorder::Find(const MetricFamily& family,
                                                       std::string_view labels) {
  auto [fit, fnew] = family_index_.try_emplace(&family, families_.size());
  if (fnew) families_.push_back(Family{&family, {}, {}, {}});
  Family& f = families_[fit->second];
  auto [sit, snew] = f.index.try_emplace(std::string(labels), f.series.size());
  if (snew) f.series.push_back(Series{std::string(labels), {}, {}});
  return f.series[sit->second];
}

void OpenMetricsRecorder::Sample(const MetricFamily& family, std::string_view labels,
                                 double value) {
  Series& s = Find(family, labels);
  s.ts.push_back(now_);
  s.values.push_back(value);
}

void OpenMetricsRecorder::Histogram(const MetricFamily& family, std::string_view labels,
                                    std::span<const double> bounds,
                                    std::span<const int64_t> cumulative, double sum) {
  Series& s = Find(family, labels);
  Family& f = families_[family_index_[&family]];
  if (f.bounds.empty()) f.bounds.assign(bounds.begin(), bounds.end());
  s.ts.push_back(now_);
  for (int64_t c : cumulative) s.values.push_back(static_cast<double>(c));
  s.values.push_back(static_cast<double>(cumulative.back()));  // _count
  s.values.push_back(sum);
}

size_t OpenMetricsRecorder::series() const {
  size_t n = 0;
  // Counted as Prometheus stores them: a histogram is a series per bucket,
  // plus _count and _sum.
  for (const Family& f : families_) {
    const size_t per = f.def->type == MetricType::kHistogram ? f.bounds.size() + 3 : 1;
    n += f.series.size() * per;
  }
  return n;
}

Result<size_t> OpenMetricsRecorder::Write(std::FILE* out) const {
  size_t lines = 0;
  std::string buf;
  buf.reserve(1 << 20);
  auto flush = [&]() -> bool {
    const bool ok = std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
    buf.clear();
    return ok;
  };
  auto point = [&](const std::string& name, const std::string& labels, double v, Timestamp t) {
    char ts[32];
    std::snprintf(ts, sizeof ts, " %" PRId64 ".%03" PRId64 "\n", t / 1000, t % 1000);
    buf += name;
    if (!labels.empty()) {
      buf += '{';
      buf += labels;
      buf += '}';
    }
    buf += ' ';
    buf += FormatValue(v);
    buf += ts;
    ++lines;
  };
  for (const Family& f : families_) {
    const std::string name = FamilyName(*f.def);
    buf += "# TYPE " + name + " " + TypeName(f.def->type) + "\n";
    buf += "# HELP " + name + " " + f.def->help + "\n";
    for (const Series& s : f.series) {
      if (f.def->type != MetricType::kHistogram) {
        for (size_t p = 0; p < s.ts.size(); ++p) point(f.def->name, s.labels, s.values[p], s.ts[p]);
      } else {
        const size_t stride = f.bounds.size() + 3;
        const std::string sep = s.labels.empty() ? "" : ",";
        for (size_t p = 0; p < s.ts.size(); ++p) {
          const double* v = &s.values[p * stride];
          for (size_t b = 0; b <= f.bounds.size(); ++b) {
            const std::string le =
                b < f.bounds.size() ? CanonicalBound(f.bounds[b]) : std::string("+Inf");
            point(name + "_bucket", s.labels + sep + "le=\"" + le + "\"", v[b], s.ts[p]);
          }
          point(name + "_count", s.labels, v[f.bounds.size() + 1], s.ts[p]);
          point(name + "_sum", s.labels, v[f.bounds.size() + 2], s.ts[p]);
        }
      }
      if (buf.size() > (1 << 20) && !flush()) {
        return Fail(ErrorCode::kIo, "writing metrics failed");
      }
    }
  }
  buf += "# EOF\n";
  if (!flush()) return Fail(ErrorCode::kIo, "writing metrics failed");
  return lines;
}

}  // namespace fw::sim
