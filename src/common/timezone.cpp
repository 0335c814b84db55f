#include "common/timezone.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>

namespace fw {

// Transitions from the TZif file plus the POSIX rule for later instants.
struct TimeZone::Data {
  std::string name;
  std::vector<int64_t> transitions;  // seconds, ascending
  std::vector<int> offset_after;     // utc offset from each transition on
  int initial_offset = 0;            // before the first transition
  // The footer rule: a fixed offset, or std/dst with yearly switches.
  struct Rule {
    int std_offset = 0, dst_offset = 0;
    bool has_dst = false;
    int start_month = 0, start_week = 0, start_day = 0, start_secs = 7200;
    int end_month = 0, end_week = 0, end_day = 0, end_secs = 7200;
  };
  std::optional<Rule> rule;
};

namespace {

constexpr int64_t kDay = 86400;

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t ReadBig(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// POSIX TZ parsing: names, offsets (west-positive, [+-]hh[:mm[:ss]]), rules.
class PosixParser {
 public:
  explicit PosixParser(std::string_view s) : s_(s) {}

  std::optional<TimeZone::Data::Rule> Parse() {
    TimeZone::Data::Rule r;
    if (!Name()) return std::nullopt;
    auto std_off = Offset();
    if (!std_off) return std::nullopt;
    r.std_offset = -*std_off;
    if (i_ == s_.size()) return r;
    if (!Name()) return std::nullopt;
    r.has_dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (i_ < s_.size() && s_[i_] != ',') {
      auto dst_off = Offset();
      if (!dst_off) return std::nullopt;
      r.dst_offset = -*dst_off;
    }
    if (i_ >= s_.size() || s_[i_] != ',') return std::nullopt;
    ++i_;
    if (!Date(r.start_month, r.start_week, r.start_day, r.start_secs)) return std::nullopt;
    if (i_ >= s_.size() || s_[i_] != ',') return std::nullopt;
    ++i_;
    if (!Date(r.end_month, r.end_week, r.end_day, r.end_secs)) return std::nullopt;
    return r;
  }

 private:
  bool Name() {
    if (i_ < s_.size() && s_[i_] == '<') {
      const size_t close = s_.find('>', i_);
      if (close == std::string_view::npos) return false;
      i_ = close + 1;
      return true;
    }
    const size_t start = i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ - start >= 3;
  }
  std::optional<int> Number() {
    const size_t start = i_;
    int v = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      v = v * 10 + (s_[i_++] - '0');
    }
    if (i_ == start) return std::nullopt;
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<int> Offset() {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    auto h = Number();
    if (!h) return std::nullopt;
    int secs = *h * 3600;
    for (int unit : {60, 1}) {
      if (i_ >= s_.size() || s_[i_] != ':') break;
      ++i_;
      auto n = Number();
      if (!n) return std::nullopt;
      secs += *n * unit;
    }
    return sign * secs;
  }
  bool Date(int& month, int& week, int& day, int& secs) {
    if (i_ >= s_.size() || s_[i_] != 'M') return false;  // Jn and n forms are not used by zones
    ++i_;
    auto m = Number();
    if (!m || i_ >= s_.size() || s_[i_++] != '.') return false;
    auto w = Number();
    if (!w || i_ >= s_.size() || s_[i_++] != '.') return false;
    auto d = Number();
    if (!d) return false;
    month = *m, week = *w, day = *d;
    if (i_ < s_.size() && s_[i_] == '/') {
      ++i_;
      auto t = Offset();
      if (!t) return false;
      secs = *t;
    }
    return month >= 1 && month <= 12 && week >= 1 && week <= 5 && day >= 0 && day <= 6;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// Local midnight-relative seconds of "day d of week w of month m" in `year`.
int64_t RuleDay(int year, int month, int week, int day) {
  const int64_t first = DaysFromCivil(year, month, 1);
  const int first_wd = static_cast<int>(((first % 7) + 11) % 7);  // 1970-01-01 was Thursday (4)
  int dom = 1 + (day - first_wd + 7) % 7 + (week - 1) * 7;
  while (dom > DaysInMonth(year, month)) dom -= 7;
  return DaysFromCivil(year, month, dom);
}

int RuleOffset(const TimeZone::Data::Rule& r, int64_t t) {
  if (!r.has_dst) return r.std_offset;
  const int year = CivilFromDays(FloorDiv(t + r.std_offset, kDay)).year;
  const int64_t start =
      RuleDay(year, r.start_month, r.start_week, r.start_day) * kDay + r.start_secs - r.std_offset;
  const int64_t end =
      RuleDay(year, r.end_month, r.end_week, r.end_day) * kDay + r.end_secs - r.dst_offset;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r.dst_offset : r.std_offset;
}

Result<std::shared_ptr<TimeZone::Data>> ParseTzif(const std::string& s, const std::string& name) {
  auto bad = [&](const char* why) {
    return Fail(ErrorCode::kInvalidArgument, "time zone " + name + ": " + why);
  };
  if (s.size() < 44 || s.compare(0, 4, "TZif") != 0) return bad("not a TZif file");
  auto counts = [&](size_t at, int64_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = ReadBig(s, at + 20 + 4 * i, 4);
  };
  int64_t c[6];
  counts(0, c);  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  const bool v2 = s[4] >= '2';
  size_t at = 44;
  int tbytes = 4;
  if (v2) {  // skip the 32-bit block; the 64-bit one follows its own header
    at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (s.size() < at + 44 || s.compare(at, 4, "TZif") != 0) return bad("truncated");
    counts(at, c);
    at += 44;
    tbytes = 8;
  }
  const size_t need = c[3] * tbytes + c[3] + c[4] * 6 + c[5] + c[2] * (tbytes + 4) + c[1] + c[0];
  if (c[4] < 1 || s.size() < at + need) return bad("truncated");
  auto d = std::make_shared<TimeZone::Data>();
  d->name = name;
  std::vector<int> type_offsets(c[4]);
  const size_t types_at = at + c[3] * tbytes + c[3];
  for (int64_t i = 0; i < c[4]; ++i)
    type_offsets[i] = static_cast<int>(ReadBig(s, types_at + 6 * i, 4));
  for (int64_t i = 0; i < c[3]; ++i) {
    d->transitions.push_back(ReadBig(s, at + i * tbytes, tbytes));
    const auto idx = static_cast<unsigned char>(s[at + c[3] * tbytes + i]);
    if (idx >= type_offsets.size()) return bad("bad transition type");
    d->offset_after.push_back(type_offsets[idx]);
  }
  d->initial_offset = type_offsets[0];
  if (v2) {
    const size_t footer = at + need;
    const size_t nl = s.find('\n', footer + 1);
    if (footer < s.size() && s[footer] == '\n' && nl != std::string::npos) {
      d->rule = PosixParser(std::string_view(s).substr(footer + 1, nl - footer - 1)).Parse();
    }
  }
  return d;
}

}  // namespace

int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2));
  c.weekday = static_cast<int>(((z - 719468) % 7 + 11) % 7);
  return c;
}

TimeZone TimeZone::Utc() {
  auto d = std::make_shared<Data>();
  d->name = "UTC";
  return TimeZone(d);
}

Result<TimeZone> TimeZone::LoadFile(const std::string& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "unknown time zone \"" + name + "\"");
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto d = ParseTzif(bytes, name);
  if (!d) return Fail(d.error());
  return TimeZone(std::move(*d));
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC" || name.empty()) return Utc();
  if (name.find("..") != std::string_view::npos || name.front() == '/') {
    return Fail(ErrorCode::kInvalidArgument, "bad time zone name \"" + std::string(name) + "\"");
  }
  return LoadFile("/usr/share/zoneinfo/" + std::string(name), std::string(name));
}

const std::string& TimeZone::name() const { return d_->name; }

int TimeZone::OffsetSeconds(Timestamp t_ms) const {
  const int64_t t = FloorDiv(t_ms, 1000);
  const auto& tr = d_->transitions;
  if (tr.empty() || t < tr.front()) {
    return tr.empty() && d_->rule ? RuleOffset(*d_->rule, t) : d_->initial_offset;
  }
  if (t >= tr.back() && d_->rule) return RuleOffset(*d_->rule, t);
  const size_t i = std::upper_bound(tr.begin(), tr.end(), t) - tr.begin() - 1;
  return d_->offset_after[i];
}

CivilTime TimeZone::ToLocal(Timestamp t) const {
  const int64_t local = FloorDiv(t, 1000) + OffsetSeconds(t);
  const int64_t days = FloorDiv(local, kDay);
  CivilTime c = CivilFromDays(days);
  const int64_t secs = local - days * kDay;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

Timestamp TimeZone::FromLocal(const CivilTime& l) const {
  const int64_t local =
      DaysFromCivil(l.year, l.month, l.day) * kDay + l.hour * 3600 + l.minute * 60 + l.second;
  const int before = OffsetSeconds((local - kDay) * 1000);
  const int after = OffsetSeconds((local + kDay) * 1000);
  std::optional<int64_t> best;
  for (int off : {before, after}) {
    const int64_t u = local - off;
    if (OffsetSeconds(u * 1000) == off && (!best || u < *best)) best = u;
  }
  return (best ? *best : local - before) * 1000;
}

}  // namespace fw
