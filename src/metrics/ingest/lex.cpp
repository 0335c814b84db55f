#include "metrics/ingest/lex.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace fw::metrics::ingest::lex {

namespace {

CharClass MakeChars() {
  CharClass c;
  for (int i = 0; i < 256; ++i) {
    const bool alpha = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z');
    const bool digit = i >= '0' && i <= '9';
    c.label_start[i] = alpha || i == '_';
    c.label_char[i] = alpha || digit || i == '_';
    c.metric_start[i] = c.label_start[i] || i == ':';
    c.metric_char[i] = c.label_char[i] || i == ':';
  }
  return c;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// from_chars reports both overflow and underflow as out of range; Go's
// ParseFloat (and so Prometheus) rejects only overflow and rounds underflow
// to zero. strtod tells the two apart. Rare, so the copy does not matter.
bool OutOfRangeValue(std::string_view unsigned_token, double* out) {
  const std::string copy(unsigned_token);
  const double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v)) return false;
  *out = v;
  return true;
}

}  // namespace

const CharClass& Chars() {
  static const CharClass kChars = MakeChars();
  return kChars;
}

size_t MetricNameLength(std::string_view s) {
  const CharClass& c = Chars();
  if (s.empty() || !c.metric_start[static_cast<unsigned char>(s[0])]) return 0;
  size_t i = 1;
  while (i < s.size() && c.metric_char[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

size_t LabelNameLength(std::string_view s) {
  const CharClass& c = Chars();
  if (s.empty() || !c.label_start[static_cast<unsigned char>(s[0])]) return 0;
  size_t i = 1;
  while (i < s.size() && c.label_char[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

bool ParseValue(std::string_view token, double* out) {
  if (token.empty()) return false;
  bool negative = false;
  const bool has_sign = token[0] == '+' || token[0] == '-';
  if (has_sign) {
    negative = token[0] == '-';
    token.remove_prefix(1);
    if (token.empty()) return false;
  }
  double v = 0;
  if (IsDigit(token[0]) || token[0] == '.') {
    const char* end = token.data() + token.size();
    auto [ptr, ec] = std::from_chars(token.data(), end, v, std::chars_format::general);
    if (ptr != end) return false;
    if (ec == std::errc::result_out_of_range) {
      if (!OutOfRangeValue(token, &v)) return false;
    } else if (ec != std::errc()) {
      return false;
    }
  } else if (EqualsIgnoreCase(token, "inf") || EqualsIgnoreCase(token, "infinity")) {
    v = std::numeric_limits<double>::infinity();
  } else if (!has_sign && EqualsIgnoreCase(token, "nan")) {
    // A signed NaN means nothing; both formats spell it bare.
    v = std::numeric_limits<double>::quiet_NaN();
  } else {
    return false;
  }
  *out = negative ? -v : v;
  return true;
}

bool ParseMillis(std::string_view token, int64_t* out) {
  // from_chars takes '-' but not '+'; Go's ParseInt (Prometheus) takes both.
  if (!token.empty() && token[0] == '+') {
    token.remove_prefix(1);
    if (token.empty() || !IsDigit(token[0])) return false;
  }
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

namespace {

// Milliseconds from a decimal without exponent: [digits][.digits], at least
// one digit overall. Exact integer arithmetic, so 1768485615.001 gives
// 1768485615001 with no binary-fraction error.
bool DecimalSecondsToMillis(std::string_view s, bool negative, int64_t* out) {
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000 - 1;
  size_t i = 0;
  int64_t seconds = 0;
  bool any_digit = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (seconds > kMaxSeconds / 10) return false;
    seconds = seconds * 10 + (s[i] - '0');
    any_digit = true;
  }
  if (seconds > kMaxSeconds) return false;
  int64_t millis = 0;
  bool round_up = false;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    for (int digit = 0; i < s.size(); ++i, ++digit) {
      if (!IsDigit(s[i])) return false;
      any_digit = true;
      if (digit < 3) millis = millis * 10 + (s[i] - '0');
      if (digit == 3) round_up = s[i] >= '5';
      if (digit < 3 && i + 1 == s.size()) {
        for (int pad = digit; pad < 2; ++pad) millis *= 10;
      }
    }
  }
  if (!any_digit) return false;
  const int64_t total = seconds * 1000 + millis + (round_up ? 1 : 0);
  *out = negative ? -total : total;
  return true;
}

}  // namespace

bool ParseSecondsAsMillis(std::string_view token, int64_t* out) {
  if (token.empty()) return false;
  bool negative = false;
  std::string_view body = token;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty() || !(IsDigit(body[0]) || body[0] == '.')) return false;
  if (body.find_first_of("eE") == std::string_view::npos) {
    return DecimalSecondsToMillis(body, negative, out);
  }
  double seconds = 0;
  if (!ParseValue(token, &seconds) || !std::isfinite(seconds)) return false;
  const double ms = std::round(seconds * 1000.0);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (!(std::fabs(ms) < 9223372036854775808.0)) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += len;
  }
  return true;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace fw::metrics::ingest::lex
