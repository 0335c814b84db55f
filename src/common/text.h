#pragma once
// Small text helpers shared by the parsers (PromQL, Logs Insights, JSON).

#include <cstdint>
#include <string>

namespace fw {

// Appends code point `cp` (at most 0x10FFFF) to `out` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

// The value of a hexadecimal digit (0-9, a-f, A-F), or -1.
int HexDigitValue(char c);

// A character for an error message: itself when printable, else \xNN.
std::string ShownChar(char c);

}  // namespace fw
