#include "logs/record.h"

#include <cmath>

#include "logs/civil_time.h"
#include "logs/json_flatten.h"

namespace fw::logs {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<Timestamp> TimeFromJson(const std::vector<std::pair<std::string, Value>>& fields) {
  for (const char* key : {"@timestamp", "timestamp", "time", "ts"}) {
    for (const auto& [name, v] : fields) {
      if (name != key) continue;
      if (v.kind() == Value::Kind::kNumber && std::isfinite(v.number())) {
        return static_cast<Timestamp>(std::llround(v.number()));
      }
      if (v.kind() == Value::Kind::kString) {
        auto t = ParseLeadingTime(v.str());
        if (t && t->second == v.str().size()) return t->first;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<Timestamp, size_t>> ParseLeadingTime(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  int64_t millis = 0;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    int scale = 100, n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n++ < 3) millis += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    const bool colon = i + 3 < s.size() && s[i + 3] == ':';
    if (!Digits(s, i + 1, 2, oh) || !Digits(s, i + (colon ? 4 : 3), 2, om)) return std::nullopt;
    offset_min = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    i += colon ? 6 : 5;
  }
  const int64_t days = DaysFromCivil(y, mo, d);
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return std::make_pair(secs * 1000 + millis, i);
}

namespace {

// Whether a projection observes anything that needs the line decoded: a
// discovered field or the time (the built-in @ fields come from the reader).
bool NeedsDecoding(const FieldSet* wanted) {
  if (!wanted) return true;
  for (const std::string& n : wanted->names) {
    if (n != "@message" && n != "@log" && n != "@logStream" && n != "@ingestionTime") return true;
  }
  return false;
}

}  // namespace

LogEvent DecodeLine(std::string_view line, Timestamp fallback_time, const FieldSet* wanted) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  LogEvent e;
  if (!wanted || wanted->Contains("@message")) e.message = std::string(line);
  e.timestamp = fallback_time;
  if (!NeedsDecoding(wanted)) return e;
  size_t first = line.find_first_not_of(" \t");
  if (first != std::string_view::npos && line[first] == '{') {
    if (wanted) e.fields.reserve(wanted->names.size());
    if (FlattenJsonObject(line, e.fields, wanted)) {
      e.json = true;
      if (auto t = TimeFromJson(e.fields)) {
        e.timestamp = *t;
        e.has_time = true;
      }
      return e;
    }
  }
  if (wanted && !wanted->Contains("@timestamp")) return e;
  if (auto t = ParseLeadingTime(line)) {
    e.timestamp = t->first;
    e.has_time = true;
  }
  return e;
}

}  // namespace fw::logs
