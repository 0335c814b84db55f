#include "alerting/template_format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "metrics/promql/ast.h"

namespace fw::alerting {
namespace {

std::string G4(double v, const std::string& suffix = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  // C prints "inf"/"nan"; Go prints "+Inf"/"NaN".
  if (std::isnan(v)) return "NaN" + suffix;
  if (std::isinf(v)) return (v > 0 ? "+Inf" : "-Inf") + suffix;
  return buf + suffix;
}

// Scales |v| >= 1 down by `base` per prefix, or |v| < 1 up by 1000.
std::string Scaled(double v, double base, const char* const* big, const char* const* small,
                   const std::string& unit) {
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* const* p = big; *p; ++p) {
      if (std::fabs(v) < base) break;
      prefix = *p;
      v /= base;
    }
    return G4(v, prefix + unit);
  }
  std::string prefix;
  for (const char* const* p = small; small && *p; ++p) {
    if (std::fabs(v) >= 1) break;
    prefix = *p;
    v *= 1000;
  }
  return G4(v, prefix + unit);
}

constexpr const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y", nullptr};
constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y", nullptr};
constexpr const char* kBinary[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi", nullptr};

}  // namespace

std::string GoFloatV(double v) { return metrics::promql::FormatFloat(v); }

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  return Scaled(v, 1000, kBig, kSmall, "");
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  return Scaled(v, 1024, kBinary, nullptr, "");
}

std::string HumanizePercentage(double v) { return G4(v * 100, "%"); }

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v, "s");
  // Past int64 seconds the days cannot be counted exactly (and converting
  // would be undefined behaviour; found by fuzzing): plain seconds then.
  if (std::fabs(v) >= 9e18) return G4(v, "s");
  if (std::fabs(v) >= 1) {
    const std::string sign = v < 0 ? "-" : "";
    v = std::fabs(v);
    const auto total = static_cast<long long>(v);
    const long long s = total % 60, m = total / 60 % 60, h = total / 3600 % 24, d = total / 86400;
    char buf[96];
    if (d) {
      std::snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign.c_str(), d, h, m, s);
    } else if (h) {
      std::snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign.c_str(), h, m, s);
    } else if (m) {
      std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign.c_str(), m, s);
    } else {
      return sign + G4(v, "s");
    }
    return buf;
  }
  return Scaled(v, 1000, kBig, kSmall, "s");
}

std::string GoPrintf(const std::string& format, const std::vector<std::string>& texts,
                     const std::vector<std::optional<double>>& numbers) {
  std::string out;
  size_t arg = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    size_t j = i + 1;
    while (j < format.size() && std::string_view("+-# 0").find(format[j]) != std::string::npos) ++j;
    while (j < format.size() &&
           (std::isdigit(static_cast<unsigned char>(format[j])) || format[j] == '.')) {
      ++j;
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const char verb = format[j];
    const std::string spec = format.substr(i, j - i);  // "%" + flags/width/precision
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= texts.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const std::string& text = texts[arg];
    const std::optional<double> num = numbers[arg];
    ++arg;
    char buf[512];
    if (verb == 'f' || verb == 'e' || verb == 'g' || verb == 'F' || verb == 'E' || verb == 'G') {
      if (!num) {
        out += std::string("%!") + verb + "(string=" + text + ")";
        continue;
      }
      std::snprintf(buf, sizeof buf, (spec + verb).c_str(), *num);
      out += std::isnan(*num) ? "NaN" : std::isinf(*num) ? (*num > 0 ? "+Inf" : "-Inf") : buf;
    } else if (verb == 'd') {
      if (!num || *num != std::trunc(*num) || std::fabs(*num) > 9e18) {
        out += std::string("%!d(") + (num ? "float64=" + GoFloatV(*num) : "string=" + text) + ")";
        continue;
      }
      std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(*num));
      out += buf;
    } else if (verb == 's' || verb == 'v') {
      std::snprintf(buf, sizeof buf, (spec + 's').c_str(), text.c_str());
      out += buf;
    } else if (verb == 'q') {
      out += '"' + text + '"';
    } else {
      out += std::string("%!") + verb + "(" + text + ")";
    }
  }
  if (arg < texts.size()) out += "%!(EXTRA)";
  return out;
}

std::string StripPort(const std::string& address) {
  if (!address.empty() && address[0] == '[') {
    const size_t close = address.find(']');
    if (close != std::string::npos) return address.substr(1, close - 1);
    return address;
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

}  // namespace fw::alerting
