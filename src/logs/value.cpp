#include "logs/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace fw::logs {

Value Value::Number(double d) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.str_ = std::move(s);
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.number_ = b ? 1 : 0;
  return v;
}

Value Value::Time(Timestamp ms) {
  Value v;
  v.kind_ = Kind::kTimestamp;
  v.number_ = static_cast<double>(ms);
  return v;
}

std::optional<double> Value::AsNumber() const {
  switch (kind_) {
    case Kind::kNumber:
    case Kind::kBool:
    case Kind::kTimestamp:
      return number_;
    case Kind::kString:
      return ParseNumber(str_);
    default:
      return std::nullopt;
  }
}

std::string Value::ToString() const {
  switch (kind_) {
    case Kind::kNumber:
      return FormatNumber(number_);
    case Kind::kString:
      return str_;
    case Kind::kBool:
      return number_ != 0 ? "true" : "false";
    case Kind::kTimestamp:
      return FormatResultTime(static_cast<Timestamp>(number_));
    default:
      return "";
  }
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kNumber:
    case Kind::kBool:
    case Kind::kTimestamp:
      return number_ != 0 && !std::isnan(number_);
    case Kind::kString:
      return !str_.empty();
    default:
      return false;
  }
}

std::string FormatResultTime(Timestamp ms) {
  std::string s = FormatRfc3339Millis(ms);  // 2026-01-15T14:25:00.000Z
  s[10] = ' ';
  s.pop_back();
  return s;
}

std::string FormatNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";  // no "-0"
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
}

std::optional<double> ParseNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const size_t digits_start = i;
  bool any_digit = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, any_digit = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, any_digit = true;
  }
  if (!any_digit || i == digits_start) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == exp_start) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string copy(s.starts_with('+') ? s.substr(1) : s);
  return std::strtod(copy.c_str(), nullptr);
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Natural comparison of two non-number strings: digit runs compare by length
// (leading zeros included) and then lexically, which for equal lengths is
// numeric order; other runs compare bytewise.
int NaturalCompare(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = IsDigit(a[i]), db = IsDigit(b[j]);
    size_t ie = i, je = j;
    while (ie < a.size() && IsDigit(a[ie]) == da) ++ie;
    while (je < b.size() && IsDigit(b[je]) == db) ++je;
    std::string_view ca = a.substr(i, ie - i), cb = b.substr(j, je - j);
    if (da && db && ca.size() != cb.size()) return ca.size() < cb.size() ? -1 : 1;
    if (da != db) {
      // A digit chunk against a non-digit chunk: code point order of the first bytes.
      const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[j]);
      return x < y ? -1 : 1;
    }
    if (int c = ca.compare(cb); c != 0) return c < 0 ? -1 : 1;
    i = ie;
    j = je;
  }
  if (i == a.size() && j == b.size()) return 0;
  return i == a.size() ? -1 : 1;
}

}  // namespace

int CompareForSort(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? 1 : -1);
  const auto na = a.AsNumber(), nb = b.AsNumber();
  if (na && nb) return *na < *nb ? -1 : (*na > *nb ? 1 : 0);
  if (na || nb) return na ? 1 : -1;  // numbers after non-numbers
  return NaturalCompare(a.ToString(), b.ToString());
}

bool ValuesEqual(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return false;
  const auto na = a.AsNumber(), nb = b.AsNumber();
  if (na && nb) return *na == *nb;
  return a.ToString() == b.ToString();
}

std::optional<int> CompareValues(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  const auto na = a.AsNumber(), nb = b.AsNumber();
  if (na && nb) return *na < *nb ? -1 : (*na > *nb ? 1 : 0);
  const int c = a.ToString().compare(b.ToString());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace fw::logs
