#pragma once
// Small text helpers shared by the parsers (PromQL, Logs Insights, JSON).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw {

// Appends code point `cp` (at most 0x10FFFF) to `out` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

// The value of a hexadecimal digit (0-9, a-f, A-F), or -1.
int HexDigitValue(char c);

// A character for an error message: itself when printable, else \xNN.
std::string ShownChar(char c);

// --- UTF-8: one policy at every way in (docs/server.md, "Limits").
// Text that is stored (label names and values, log fields, alert fields) must
// be well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code
// points above U+10FFFF). Intake rejects the series, sample or request that
// is not, with an error naming the field and byte offset; readers that still
// meet bad bytes (older data) print them as U+FFFD.

// Byte offset of the first invalid sequence in `s`, or npos when all valid.
size_t FirstInvalidUtf8(std::string_view s);
inline bool IsValidUtf8(std::string_view s) {
  return FirstInvalidUtf8(s) == std::string_view::npos;
}
// `s` with each invalid byte replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s);
// kInvalidArgument "<what> is not valid UTF-8 (byte N)" unless `s` is valid.
Result<void> CheckUtf8(std::string_view s, std::string_view what);

// --- JSON nesting: nlohmann and simdjson parse iteratively, but dumping and
// every walk over a document recurse. Request bodies are held to
// kMaxJsonDepth before parsing.
inline constexpr int kMaxJsonDepth = 128;
// The deepest nesting of [ and { in JSON text, strings skipped; counting
// stops once over `stop_above`. Does not validate the JSON.
int JsonNestingDepth(std::string_view text, int stop_above = kMaxJsonDepth);
// kInvalidArgument "JSON nested deeper than N levels" when it is.
Result<void> CheckJsonDepth(std::string_view text, int max = kMaxJsonDepth);

}  // namespace fw
