#pragma once
// Token-level helpers shared by the exposition parsers: character classes,
// numbers and timestamps, UTF-8 checks. Internal to fw_ingest.
//
// Every function takes a complete token (std::string_view) and never reads
// outside it, so callers can slice tokens out of a line without copying.

#include <array>
#include <cstdint>
#include <string_view>

namespace fw::metrics::ingest::lex {

// Character classes, as 256-entry tables so the hot loops do one load per
// byte instead of a chain of comparisons.
struct CharClass {
  std::array<bool, 256> metric_start{};  // [a-zA-Z_:]
  std::array<bool, 256> metric_char{};   // [a-zA-Z0-9_:]
  std::array<bool, 256> label_start{};   // [a-zA-Z_]
  std::array<bool, 256> label_char{};    // [a-zA-Z0-9_]
};
const CharClass& Chars();

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Length of the metric name at the start of `s` (0 when there is none).
size_t MetricNameLength(std::string_view s);
// Length of the label name at the start of `s` (0 when there is none).
size_t LabelNameLength(std::string_view s);

// A sample value: decimal float with optional sign and exponent, or
// [+-]Inf / [+-]Infinity / NaN in any case. Rejects empty tokens, trailing
// junk, hex floats and values too large for a double.
bool ParseValue(std::string_view token, double* out);

// Prometheus text timestamp: optionally signed integer milliseconds.
bool ParseMillis(std::string_view token, int64_t* out);

// OpenMetrics timestamp: seconds as a decimal (exponent allowed), converted
// to milliseconds. Decimal input converts exactly; sub-millisecond digits
// round half away from zero. Rejects Inf, NaN and out-of-range values.
bool ParseSecondsAsMillis(std::string_view token, int64_t* out);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Number of code points in valid UTF-8 `s`.
size_t CodePoints(std::string_view s);

}  // namespace fw::metrics::ingest::lex
