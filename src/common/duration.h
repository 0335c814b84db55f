#pragma once
// Durations in Prometheus syntax: a sequence of <number><unit> with units
// ms, s, m, h, d, w, y, largest first, e.g. "90s", "5m", "1h30m", "250ms".
// A bare number is rejected: the unit is always explicit. Values are held
// as std::chrono::milliseconds, the resolution of every timestamp we store.

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw {

using Millis = std::chrono::milliseconds;

Result<Millis> ParseDuration(std::string_view text);

// Formats the shortest round-tripping form: 5400000ms -> "1h30m", 0 -> "0s".
std::string FormatDuration(Millis d);

}  // namespace fw
