#include "common/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace fw {
namespace {

struct Unit {
  std::string_view name;
  int64_t millis;
};

// Ordered largest first; Prometheus requires units in this order.
constexpr Unit kUnits[] = {
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
};

// Far beyond any real use, and far from int64 overflow when added to a time.
constexpr int64_t kMaxDuration = 100 * kUnits[0].millis;

}  // namespace

Result<Millis> ParseDuration(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "invalid duration \"" + std::string(text) + "\": " +
                                                 why + " (expected e.g. 90s, 5m, 1h30m, 250ms)");
  };
  if (text.empty()) return bad("empty");
  int64_t total = 0;
  size_t i = 0;
  int last_unit = -1;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > (std::numeric_limits<int64_t>::max() - 9) / 10) return bad("too large");
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    size_t start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(start, i - start);
    if (unit.empty()) return bad("missing unit after " + std::to_string(n));
    int found = -1;
    for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
      if (kUnits[u].name == unit) found = u;
    }
    if (found < 0) return bad("unknown unit \"" + std::string(unit) + "\"");
    if (found <= last_unit) return bad("units must go from largest to smallest, each once");
    last_unit = found;
    if (n > std::numeric_limits<int64_t>::max() / kUnits[found].millis) return bad("too large");
    const int64_t part = n * kUnits[found].millis;
    if (part > kMaxDuration - total) return bad("too large (at most 100y)");
    total += part;
  }
  return Millis(total);
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& u : kUnits) {
    if (ms >= u.millis) {
      out += std::to_string(ms / u.millis) + std::string(u.name);
      ms %= u.millis;
    }
  }
  return out;
}

}  // namespace fw
