#pragma once
// Test helper: a SampleHandler that renders what it receives, one line per
// call, so expectations read like the exposition itself:
//   name{a="1",b="x"} 1.5 @1700000000000
//   # TYPE name counter

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "common/labels.h"
#include "metrics/ingest/text_parser.h"

namespace fw::metrics::ingest::testing {

inline std::string RenderValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

class RecordingHandler : public SampleHandler {
 public:
  void OnSample(const SampleView& s) override {
    std::string line(s.name);
    if (!s.labels.empty()) {
      line += '{';
      for (size_t i = 0; i < s.labels.size(); ++i) {
        if (i) line += ',';
        line += std::string(s.labels[i].name) + "=\"" + EscapeLabelValue(s.labels[i].value) + "\"";
      }
      line += '}';
    }
    line += " " + RenderValue(s.value);
    if (s.timestamp_ms) line += " @" + std::to_string(*s.timestamp_ms);
    lines.push_back(line);
    families.push_back(std::string(s.family) + ":" + std::string(MetricTypeName(s.type)));
    series.emplace_back(s.series);
    ++samples;
  }
  void OnMetadata(const MetadataView& m) override {
    static const char* kKinds[] = {"TYPE", "HELP", "UNIT"};
    std::string line =
        std::string("# ") + kKinds[static_cast<int>(m.kind)] + " " + std::string(m.family) + " ";
    line +=
        m.kind == MetadataKind::kType ? std::string(MetricTypeName(m.type)) : std::string(m.text);
    lines.push_back(line);
  }

  std::vector<std::string> lines;     // samples and metadata in order
  std::vector<std::string> families;  // "family:type" per sample
  std::vector<std::string> series;    // SampleView::series per sample
  size_t samples = 0;
};

}  // namespace fw::metrics::ingest::testing
