#pragma once
// A field value of a log event or a query result cell. Logs Insights is loosely
// typed: a value is null (field absent), a number, a string, a boolean or a
// timestamp (ms since the epoch). Strings that spell a number take part in
// arithmetic and comparisons as that number, the way CloudWatch treats JSON
// and parsed fields.
//
// Ordering follows the documented CloudWatch sort: in ascending order every
// non-number sorts before every number; non-numbers compare chunk by chunk,
// runs of digits by length and then value, other runs by code point. Nulls
// sort after everything in either direction (CloudWatch does not say; see
// docs/logs.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace fw::logs {

class Value {
 public:
  enum class Kind { kNull, kNumber, kString, kBool, kTimestamp };

  Value() = default;
  static Value Null() { return Value(); }
  static Value Number(double d);
  static Value String(std::string s);
  static Value Bool(bool b);
  static Value Time(Timestamp ms);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  // The raw payloads; meaningful only for the matching kind.
  double number() const { return number_; }
  const std::string& str() const { return str_; }

  // The value as a number: numbers, timestamps (ms), booleans (1/0) and
  // strings that are entirely a decimal number. nullopt otherwise.
  std::optional<double> AsNumber() const;
  // True for numbers, timestamps, booleans and numeric strings.
  bool IsNumeric() const { return AsNumber().has_value(); }
  // The display form: numbers in shortest round-trip form (200, 13.4),
  // timestamps as "2026-01-15 14:25:00.000" (UTC), booleans as true/false,
  // null as "".
  std::string ToString() const;
  // Truthiness for filter: true, non-zero numbers, non-empty strings.
  bool Truthy() const;

  bool operator==(const Value& o) const = default;

 private:
  Kind kind_ = Kind::kNull;
  double number_ = 0;
  std::string str_;
};

// "2026-01-15 14:25:00.000" in UTC, the result format of Logs Insights.
std::string FormatResultTime(Timestamp ms);

// Shortest decimal that round-trips: 200, 13.4, 1e+21, NaN, Infinity.
std::string FormatNumber(double d);

// Parses a whole string as a decimal number (optional sign, digits, fraction,
// exponent). Rejects empty strings, spaces, hex, "inf" and "nan".
std::optional<double> ParseNumber(std::string_view s);

// Three-way comparison in the ascending sort order described above.
int CompareForSort(const Value& a, const Value& b);

// Equality as `=` sees it: numerically when both sides are numeric, else by
// display string. Nulls are equal to nothing.
bool ValuesEqual(const Value& a, const Value& b);

// Ordering as `<`, `>` see it: numerically when both sides are numeric, else
// by display string (byte order). nullopt when either side is null.
std::optional<int> CompareValues(const Value& a, const Value& b);

}  // namespace fw::logs
