// Round trip through firewatch's own writers: run the built-in steady-state
// scenario for a few simulated minutes, record it with the OpenMetrics
// recorder (what `firewatch sim run` writes) and the Prometheus text
// exposition (what `firewatch sim serve` answers), parse both back and check
// that every sample comes back with its exact value and timestamp.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>

#include "metrics/ingest/text_parser.h"
#include "sim/builtin_scenarios.h"
#include "sim/exposition.h"
#include "sim/metric_writer.h"
#include "sim/openmetrics_recorder.h"
#include "sim/simulator.h"

namespace fw::metrics::ingest {
namespace {

// Remembers every plain (non-histogram) sample the simulator wrote, keyed
// "name{labels}@t", and counts histogram series lines.
class Capture final : public sim::MetricWriter {
 public:
  void Sample(const sim::MetricFamily& f, std::string_view labels, double v) override {
    std::string key = f.name;
    if (!labels.empty()) key += "{" + std::string(labels) + "}";
    values[key + "@" + std::to_string(now)] = v;
    ++lines;
  }
  void Histogram(const sim::MetricFamily&, std::string_view, std::span<const double> bounds,
                 std::span<const int64_t>, double) override {
    lines += bounds.size() + 3;  // buckets, +Inf, _count, _sum
    ++histograms;
  }
  Timestamp now = 0;
  std::unordered_map<std::string, double> values;
  size_t lines = 0;
  size_t histograms = 0;
};

class RecordingSink final : public sim::SimSink {
 public:
  void OnLog(std::string_view) override {}
  void OnChange(std::string_view) override {}
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    recorder.BeginScrape(t);
    s.Collect(recorder);
    capture.now = t;
    s.Collect(capture);
    ++scrapes;
  }
  sim::OpenMetricsRecorder recorder;
  Capture capture;
  int scrapes = 0;
};

// Checks each parsed sample against the capture.
class Checker final : public SampleHandler {
 public:
  explicit Checker(const Capture& c, bool with_timestamps) : c_(c), ts_(with_timestamps) {}
  void OnSample(const SampleView& s) override {
    ++samples;
    if (ts_ != s.timestamp_ms.has_value()) ++mismatches;
    if (s.type == MetricType::kHistogram) {
      ++histogram_samples;
      return;
    }
    const std::string key =
        std::string(s.series) + "@" + std::to_string(ts_ ? *s.timestamp_ms : c_.now);
    auto it = c_.values.find(key);
    if (it == c_.values.end()) {
      if (missing.size() < 5) missing.push_back(key);
      return;
    }
    // FormatValue writes shortest round-trip text: values come back exactly.
    if (!(it->second == s.value || (std::isnan(it->second) && std::isnan(s.value)))) ++mismatches;
    ++checked;
  }
  void OnMetadata(const MetadataView& m) override { ++metadata[static_cast<int>(m.kind)]; }

  size_t samples = 0, checked = 0, histogram_samples = 0, mismatches = 0;
  std::map<int, size_t> metadata;
  std::vector<std::string> missing;

 private:
  const Capture& c_;
  bool ts_;
};

std::string WriteToString(const sim::OpenMetricsRecorder& r, size_t* lines) {
  std::FILE* f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  auto n = r.Write(f);
  EXPECT_TRUE(n.has_value());
  *lines = n.value_or(0);
  std::string out(static_cast<size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  EXPECT_EQ(std::fread(out.data(), 1, out.size(), f), out.size());
  std::fclose(f);
  return out;
}

TEST(SimRoundTripTest, OpenMetricsRecordingParsesBackExactly) {
  auto scenario = sim::LoadBuiltinScenario("steady-state");
  ASSERT_TRUE(scenario.has_value()) << scenario.error().ToString();
  sim::Simulator simulator(std::move(*scenario));
  RecordingSink sink;
  simulator.set_sink(&sink);
  simulator.RunUntil(simulator.now() + 5 * 60 * 1000);
  ASSERT_GE(sink.scrapes, 10);

  size_t written = 0;
  const std::string text = WriteToString(sink.recorder, &written);
  ASSERT_GT(written, 1000u);

  Checker check(sink.capture, /*with_timestamps=*/true);
  auto r = ParseExposition(text, Format::kOpenMetrics, check, "steady-state.om");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->samples, written);
  EXPECT_EQ(check.samples, sink.capture.lines);
  EXPECT_EQ(check.checked + check.histogram_samples, check.samples);
  EXPECT_EQ(check.checked, sink.capture.values.size());
  EXPECT_GT(check.histogram_samples, 0u);
  EXPECT_EQ(check.mismatches, 0u);
  EXPECT_TRUE(check.missing.empty()) << check.missing.front();
  EXPECT_GT(check.metadata[static_cast<int>(MetadataKind::kType)], 5u);
  EXPECT_EQ(check.metadata[static_cast<int>(MetadataKind::kType)],
            check.metadata[static_cast<int>(MetadataKind::kHelp)]);
}

TEST(SimRoundTripTest, TextExpositionParsesBackExactly) {
  auto scenario = sim::LoadBuiltinScenario("steady-state");
  ASSERT_TRUE(scenario.has_value()) << scenario.error().ToString();
  sim::Simulator simulator(std::move(*scenario));
  simulator.RunUntil(simulator.now() + 3 * 60 * 1000);

  sim::TextExposition exposition;
  simulator.Collect(exposition);
  Capture capture;
  capture.now = simulator.now();
  simulator.Collect(capture);

  Checker check(capture, /*with_timestamps=*/false);
  auto r = ParseExposition(exposition.Render(), Format::kPrometheusText, check, "sim");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(check.samples, capture.lines);
  EXPECT_EQ(check.checked, capture.values.size());
  EXPECT_GT(capture.histograms, 0u);
  EXPECT_EQ(check.mismatches, 0u);
  EXPECT_TRUE(check.missing.empty()) << check.missing.front();
}

}  // namespace
}  // namespace fw::metrics::ingest
