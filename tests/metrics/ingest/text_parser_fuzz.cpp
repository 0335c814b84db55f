// Fuzz target for the exposition parsers: any bytes, in either format, must
// give samples or one located error, never a crash or an out-of-bounds read.
// The handler reads every byte of every view so that ASan catches views that
// point outside the input or into a reallocated buffer.
//
// Built into ingest_test (text_parser_mutation_test.cpp replays mutations of
// valid expositions under the ASan build) and, with FW_FUZZ, as an AFL++
// target.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/ingest/text_parser.h"

namespace {

class TouchingHandler final : public fw::metrics::ingest::SampleHandler {
 public:
  void OnSample(const fw::metrics::ingest::SampleView& s) override {
    Touch(s.name);
    Touch(s.series);
    Touch(s.family);
    for (const auto& l : s.labels) {
      Touch(l.name);
      Touch(l.value);
      if (l.name.empty()) __builtin_trap();
    }
    if (s.name.empty() || s.line < 1) __builtin_trap();
    sum_ += std::isnan(s.value) ? 0 : 1;
  }
  void OnMetadata(const fw::metrics::ingest::MetadataView& m) override {
    Touch(m.family);
    Touch(m.text);
  }
  unsigned checksum() const { return checksum_ + static_cast<unsigned>(sum_); }

 private:
  void Touch(std::string_view s) {
    for (char c : s) checksum_ += static_cast<unsigned char>(c);
  }
  unsigned checksum_ = 0;
  double sum_ = 0;
};

void ParseAs(std::string_view text, fw::metrics::ingest::Format format) {
  TouchingHandler handler;
  fw::metrics::ingest::TextParser parser(format);
  auto r = parser.Parse(text, handler, "fuzz");
  if (!r) {
    // Errors must say what and where.
    const auto& where = r.error().where();
    if (r.error().message().empty() || where.line < 1 || where.column < 1) __builtin_trap();
    if (parser.stats().samples > parser.stats().lines) __builtin_trap();
  } else if (r->samples != parser.stats().samples) {
    __builtin_trap();
  }
  // Keep the checksum alive so the reads are not optimised away.
  volatile unsigned sink = handler.checksum();
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseAs(text, fw::metrics::ingest::Format::kPrometheusText);
  ParseAs(text, fw::metrics::ingest::Format::kOpenMetrics);
  return 0;
}
