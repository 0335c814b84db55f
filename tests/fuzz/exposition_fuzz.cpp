// Fuzz target for the Prometheus text and OpenMetrics exposition parsers
// (scrapes, `metrics import`): any bytes give samples or an error naming the
// line; every sample delivered has a name and valid UTF-8 labels (the one
// policy at every way in), and a failed parse stops where it says it did.

#include <string_view>

#include "common/text.h"
#include "fuzz_target.h"
#include "metrics/ingest/text_parser.h"

namespace {

class Checker : public fw::metrics::ingest::SampleHandler {
 public:
  void OnSample(const fw::metrics::ingest::SampleView& s) override {
    FW_FUZZ_CHECK(!s.name.empty());
    FW_FUZZ_CHECK(fw::IsValidUtf8(s.name));
    for (const auto& l : s.labels) {
      FW_FUZZ_CHECK(!l.name.empty());
      FW_FUZZ_CHECK(fw::IsValidUtf8(l.name) && fw::IsValidUtf8(l.value));
    }
    ++samples;
  }
  size_t samples = 0;
};

}  // namespace

FW_FUZZ_TARGET(exposition) {
  namespace ingest = fw::metrics::ingest;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (ingest::Format format : {ingest::Format::kPrometheusText, ingest::Format::kOpenMetrics}) {
    Checker out;
    auto stats = ingest::ParseExposition(text, format, out, "fuzz");
    if (stats) {
      FW_FUZZ_CHECK(stats->samples == out.samples);
    } else {
      FW_FUZZ_CHECK(!stats.error().message().empty());
    }
  }
  return 0;
}
