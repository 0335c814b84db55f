#include "alerting/time_interval.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace fw::alerting {
namespace {

constexpr std::array<const char*, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                  "thursday", "friday", "saturday"};
constexpr std::array<const char*, 12> kMonths = {"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> Integer(const std::string& s) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  int v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

template <size_t N>
std::optional<int> Name(const std::array<const char*, N>& names, const std::string& s, int base) {
  const std::string l = Lower(s);
  for (size_t i = 0; i < N; ++i) {
    if (l == names[i]) return static_cast<int>(i) + base;
  }
  return std::nullopt;
}

// Converts one field value; returns the value or an error message.
using ValueParser = std::optional<int> (*)(const std::string&);

std::optional<int> Weekday(const std::string& s) { return Name(kWeekdays, s, 0); }
std::optional<int> Month(const std::string& s) {
  if (auto n = Name(kMonths, s, 1)) return n;
  auto v = Integer(s);
  return v && *v >= 1 && *v <= 12 ? v : std::nullopt;
}
std::optional<int> DayOfMonth(const std::string& s) {
  auto v = Integer(s);
  return v && *v != 0 && *v >= -31 && *v <= 31 ? v : std::nullopt;
}
std::optional<int> Year(const std::string& s) {
  auto v = Integer(s);
  return v && *v >= 1970 && *v <= 9999 ? v : std::nullopt;
}

struct Field {
  const char* key;
  ValueParser parse;
  const char* expect;
  std::vector<InclusiveRange> TimeInterval::*out;
};

const std::array<Field, 4> kFields = {{
    {"weekdays", Weekday, "a weekday name (sunday..saturday) or a range like monday:friday",
     &TimeInterval::weekdays},
    {"days_of_month", DayOfMonth,
     "a day 1..31 or -31..-1 (from the end of the month), or a range like 1:7",
     &TimeInterval::days_of_month},
    {"months", Month, "a month name or 1..12, or a range like january:march",
     &TimeInterval::months},
    {"years", Year, "a year (1970..9999) or a range like 2026:2027", &TimeInterval::years},
}};

void ReadRanges(YamlReader& r, const YAML::Node& n, const std::string& path, const Field& f,
                TimeInterval& out) {
  std::vector<std::string> items;
  r.StrList(n, path, f.key, items);
  const std::string here = YamlReader::Join(path, f.key);
  for (size_t i = 0; i < items.size(); ++i) {
    const YAML::Node at = YamlChild(n, f.key)[i];
    const size_t colon = items[i].find(':');
    const auto begin = f.parse(items[i].substr(0, colon));
    const auto end = colon == std::string::npos ? begin : f.parse(items[i].substr(colon + 1));
    if (!begin || !end) {
      r.Fail(at, YamlReader::Index(here, i), "\"" + items[i] + "\": expected " + f.expect);
      continue;
    }
    // Mixed signs (1:-1) can only be ordered within a given month.
    if ((*begin < 0) == (*end < 0) && *begin > *end) {
      r.Fail(at, YamlReader::Index(here, i),
             "\"" + items[i] + "\": the range ends before it begins" +
                 (f.parse == Weekday ? " (list both days instead, e.g. [saturday, sunday])" : ""));
      continue;
    }
    (out.*f.out).push_back({*begin, *end});
  }
}

// "HH:MM" in minutes of the day; "24:00" only as an end.
std::optional<int> TimeOfDay(const std::string& s, bool end) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  const auto h = Integer(s.substr(0, 2)), m = Integer(s.substr(3));
  if (!h || !m || *h < 0 || *m < 0 || *m > 59) return std::nullopt;
  const int minutes = *h * 60 + *m;
  if (minutes > 24 * 60 || (minutes == 24 * 60 && !end)) return std::nullopt;
  return minutes;
}

void ReadTimes(YamlReader& r, const YAML::Node& n, const std::string& path, TimeInterval& out) {
  const YAML::Node list = YamlChild(n, "times");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) return r.Fail(list, path + ".times", "expected a list of times");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string here = YamlReader::Index(path + ".times", i);
    if (!r.Keys(list[i], here, {"start_time", "end_time"})) continue;
    std::string start, end;
    r.Str(list[i], here, "start_time", start);
    r.Str(list[i], here, "end_time", end);
    const auto b = TimeOfDay(start, false), e = TimeOfDay(end, true);
    if (!b) r.Fail(list[i], here + ".start_time", "expected HH:MM (00:00..23:59)");
    if (!e) r.Fail(list[i], here + ".end_time", "expected HH:MM (00:01..24:00)");
    if (b && e && *b >= *e) {
      r.Fail(list[i], here, "end_time must be after start_time (split a window over midnight)");
    }
    if (b && e && *b < *e) out.times.push_back({*b, *e});
  }
}

TimeInterval ReadInterval(YamlReader& r, const YAML::Node& n, const std::string& path) {
  TimeInterval out;
  if (!r.Keys(n, path, {"times", "weekdays", "days_of_month", "months", "years", "location"})) {
    return out;
  }
  ReadTimes(r, n, path, out);
  for (const Field& f : kFields) ReadRanges(r, n, path, f, out);
  std::string location;
  r.Str(n, path, "location", location);
  if (!location.empty()) {
    auto tz = TimeZone::Load(location);
    if (tz) {
      out.location = *tz;
    } else {
      r.Fail(YamlChild(n, "location"), path + ".location",
             tz.error().message() + " (expected an IANA zone such as Europe/Berlin)");
    }
  }
  return out;
}

bool InAny(const std::vector<InclusiveRange>& ranges, int v) {
  if (ranges.empty()) return true;
  return std::any_of(ranges.begin(), ranges.end(),
                     [v](const InclusiveRange& x) { return x.begin <= v && v <= x.end; });
}

bool DayInMonth(const std::vector<InclusiveRange>& ranges, const CivilTime& t) {
  if (ranges.empty()) return true;
  const int next_year = t.month == 12 ? t.year + 1 : t.year, next_month = t.month % 12 + 1;
  const int len =
      static_cast<int>(DaysFromCivil(next_year, next_month, 1) - DaysFromCivil(t.year, t.month, 1));
  for (const InclusiveRange& r : ranges) {
    const int b = r.begin < 0 ? len + r.begin + 1 : r.begin;
    const int e = std::min(len, r.end < 0 ? len + r.end + 1 : r.end);
    if (std::max(b, 1) <= t.day && t.day <= e) return true;
  }
  return false;
}

}  // namespace

bool TimeInterval::Contains(Timestamp t) const {
  const CivilTime local = location.ToLocal(t);
  const int minute = local.hour * 60 + local.minute;
  const bool in_times =
      times.empty() || std::any_of(times.begin(), times.end(), [minute](const InclusiveRange& x) {
        return x.begin <= minute && minute < x.end;
      });
  return in_times && InAny(weekdays, local.weekday) && DayInMonth(days_of_month, local) &&
         InAny(months, local.month) && InAny(years, local.year);
}

bool NamedTimeInterval::Contains(Timestamp t) const {
  return std::any_of(intervals.begin(), intervals.end(),
                     [t](const TimeInterval& i) { return i.Contains(t); });
}

std::vector<NamedTimeInterval> ParseTimeIntervals(YamlReader& r, const YAML::Node& doc) {
  std::vector<NamedTimeInterval> out;
  for (const char* key : {"time_intervals", "mute_time_intervals"}) {
    const YAML::Node list = YamlChild(doc, key);
    if (!list.IsDefined() || list.IsNull()) continue;
    if (!list.IsSequence()) {
      r.Fail(list, key, "expected a list of {name, time_intervals}");
      continue;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = YamlReader::Index(key, i);
      if (!r.Keys(list[i], path, {"name", "time_intervals"})) continue;
      NamedTimeInterval named;
      r.Str(list[i], path, "name", named.name);
      if (named.name.empty()) r.Fail(list[i], path + ".name", "required");
      for (const NamedTimeInterval& other : out) {
        if (!named.name.empty() && other.name == named.name) {
          r.Fail(YamlChild(list[i], "name"), path + ".name",
                 "time interval \"" + named.name + "\" is defined twice");
        }
      }
      const YAML::Node entries = YamlChild(list[i], "time_intervals");
      if (entries.IsDefined() && !entries.IsNull() && !entries.IsSequence()) {
        r.Fail(entries, path + ".time_intervals", "expected a list");
      }
      for (size_t k = 0; entries.IsSequence() && k < entries.size(); ++k) {
        named.intervals.push_back(
            ReadInterval(r, entries[k], YamlReader::Index(path + ".time_intervals", k)));
      }
      out.push_back(std::move(named));
    }
  }
  return out;
}

}  // namespace fw::alerting
