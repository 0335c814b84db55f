#pragma once
// Streaming parser for the two text exposition formats a Prometheus scrape
// meets: the Prometheus text format 0.0.4 and OpenMetrics 1.0 text.
//
// The parser makes one pass over the whole body and hands every sample to a
// SampleHandler as a SampleView: string_views into the input (or, for label
// values that contained escapes, into a buffer the parser reuses), so the
// common path allocates nothing per sample. A handler that wants owned
// fw::LabelSets derives from LabelSetHandler (label_set_handler.h) instead.
//
// Input rules enforced (both formats unless noted):
//  - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*,
//    label names unique within a sample, "__name__" not allowed in braces;
//  - label values UTF-8, escapes \\ \" \n (Prometheus text keeps any other
//    "\x" literally, as Prometheus does; OpenMetrics rejects it);
//  - values: decimal floats, [+-]Inf/Infinity and NaN (case-insensitive);
//  - timestamps: Prometheus text integer milliseconds; OpenMetrics float
//    seconds, converted to milliseconds exactly for decimal input, rounding
//    the fourth fractional digit half away from zero;
//  - Prometheus text: blanks/tabs between tokens, blank lines and "# ..."
//    comments ignored, trailing comma in braces allowed, TYPE among counter,
//    gauge, histogram, summary, untyped;
//  - OpenMetrics: single spaces, no blank lines or comments, "# EOF" last
//    (one optional newline after it), TYPE/HELP/UNIT at most once per family
//    and before its samples, families contiguous, a UNIT must be the family
//    name's suffix, a sample named exactly like a family whose type needs a
//    suffix is rejected (counter "x" takes x_total and x_created; a sample
//    with another suffix starts a new, untyped family), exemplars
//    (" # {..} v [ts]") checked for syntax and the 128-character label
//    limit, then dropped.
//
// Errors: the first problem stops parsing. The Error (kInvalidArgument) has
// SourceLocation{source_name, line, column}, both 1-based, column counted in
// bytes. Samples before the bad line have already reached the handler;
// TextParser::stats() counts them.
//
// Deliberately not checked (Prometheus's scraper does not either): metadata
// order in Prometheus text; in OpenMetrics, exemplars on samples other than
// counters and buckets, bucket order, the +Inf bucket, negative counters,
// timestamp order. Not supported: UTF-8 quoted metric/label names
// (Prometheus 3 / OpenMetrics 2.0), hex float values, native histograms
// (protobuf only), normalising "le"/"quantile" values ("1" vs "1.0").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::metrics::ingest {

enum class Format { kPrometheusText, kOpenMetrics };

// Chooses the parser for an HTTP Content-Type, as Prometheus does:
// application/openmetrics-text is OpenMetrics, anything else Prometheus text.
Format FormatFromContentType(std::string_view content_type);

// Metric family types. Prometheus "untyped" is reported as kUnknown, the
// OpenMetrics name for the same thing.
enum class MetricType {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateSet,
};
std::string_view MetricTypeName(MetricType t);  // OpenMetrics spelling

struct LabelView {
  std::string_view name;
  std::string_view value;  // unescaped; may be empty (Prometheus: same as absent)
};

// One sample as parsed. Every view is valid only during the OnSample call.
struct SampleView {
  std::string_view name;              // e.g. http_requests_total
  std::span<const LabelView> labels;  // in input order, without __name__
  // The series exactly as written ("name{a=\"1\"}"), for a scrape cache
  // keyed on raw bytes the way Prometheus keys it.
  std::string_view series;
  double value = 0;
  std::optional<Timestamp> timestamp_ms;
  // The family the sample belongs to and its declared type: the last
  // # TYPE'd family when the sample's name fits it (x_bucket of histogram x),
  // otherwise the sample name itself with kUnknown.
  std::string_view family;
  MetricType type = MetricType::kUnknown;
  int line = 0;  // 1-based
};

enum class MetadataKind { kType, kHelp, kUnit };

// One # TYPE, # HELP or # UNIT line. Views are valid during the call only.
struct MetadataView {
  MetadataKind kind = MetadataKind::kHelp;
  std::string_view family;
  MetricType type = MetricType::kUnknown;  // kType only
  std::string_view text;                   // unescaped help (kHelp), unit (kUnit)
  int line = 0;
};

// Receives the parse. Implementations must not throw.
class SampleHandler {
 public:
  virtual ~SampleHandler() = default;
  virtual void OnSample(const SampleView& sample) = 0;
  virtual void OnMetadata(const MetadataView& /*metadata*/) {}
};

struct ParseStats {
  size_t lines = 0;      // lines read, including the bad one on error
  size_t samples = 0;    // samples delivered to the handler
  size_t metadata = 0;   // TYPE/HELP/UNIT lines delivered
  size_t exemplars = 0;  // exemplars checked and dropped (OpenMetrics)
};

// A reusable parser: keeps its buffers between calls, so a scrape loop that
// owns one TextParser per target stops allocating after the first scrape.
// Not thread-safe; use one per thread.
class TextParser {
 public:
  explicit TextParser(Format format) : format_(format) {}

  // Parses the whole of `text`, calling `out` for each sample and metadata
  // line in input order. `source_name` is the file or target named in errors.
  Result<ParseStats> Parse(std::string_view text, SampleHandler& out,
                           std::string_view source_name = "");

  // Counts from the last Parse, also when it failed.
  const ParseStats& stats() const { return stats_; }
  Format format() const { return format_; }

 private:
  friend class ParseRun;
  Format format_;
  ParseStats stats_;
  std::vector<LabelView> labels_;                       // labels of the current sample
  std::vector<LabelView> exemplar_;                     // labels of the current exemplar
  std::string unescaped_;                               // escaped label values of the current line
  std::string help_;                                    // unescaped help text
  std::unordered_set<std::string_view> seen_families_;  // OpenMetrics contiguity
};

// One-shot convenience over TextParser.
Result<ParseStats> ParseExposition(std::string_view text, Format format, SampleHandler& out,
                                   std::string_view source_name = "");

}  // namespace fw::metrics::ingest
