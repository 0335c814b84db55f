#include "logs/insights/functions.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <string>

#include "logs/civil_time.h"

namespace fw::logs::insights {
namespace {

using Args = std::span<const Value>;

bool AnyNull(Args a) {
  return std::any_of(a.begin(), a.end(), [](const Value& v) { return v.is_null(); });
}

// Byte offsets of each UTF-8 code point start, plus the end.
std::vector<size_t> CodePoints(const std::string& s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(i);
  }
  out.push_back(s.size());
  return out;
}

Value StrLen(Args a, const Period&) {
  if (AnyNull(a)) return {};
  return Value::Number(static_cast<double>(CodePoints(a[0].ToString()).size() - 1));
}

Value ToUpper(Args a, const Period&) {
  if (AnyNull(a)) return {};
  std::string s = a[0].ToString();
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Value::String(std::move(s));
}

Value ToLower(Args a, const Period&) {
  if (AnyNull(a)) return {};
  std::string s = a[0].ToString();
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Value::String(std::move(s));
}

Value Trim(Args a, bool left, bool right) {
  if (AnyNull(a)) return {};
  const std::string s = a[0].ToString();
  const std::string chars = a.size() > 1 ? a[1].ToString() : std::string(" \t\n\r\f\v");
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e && chars.find(s[b]) != std::string::npos) ++b;
  }
  if (right) {
    while (e > b && chars.find(s[e - 1]) != std::string::npos) --e;
  }
  return Value::String(s.substr(b, e - b));
}
Value TrimBoth(Args a, const Period&) { return Trim(a, true, true); }
Value TrimLeft(Args a, const Period&) { return Trim(a, true, false); }
Value TrimRight(Args a, const Period&) { return Trim(a, false, true); }

// Null arguments concatenate as nothing, so concat(a, "-", b) still works when b is absent.
Value Concat(Args a, const Period&) {
  std::string s;
  for (const Value& v : a) s += v.ToString();
  return Value::String(std::move(s));
}

// substr(s, start[, length]): zero-based code points; a negative start
// counts from the end; out-of-range parts are clipped.
Value Substr(Args a, const Period&) {
  if (AnyNull(a)) return {};
  const std::string s = a[0].ToString();
  const auto start_num = a[1].AsNumber();
  if (!start_num || !std::isfinite(*start_num)) return {};
  const std::vector<size_t> cp = CodePoints(s);
  const int64_t n = static_cast<int64_t>(cp.size()) - 1;
  int64_t start = static_cast<int64_t>(std::trunc(std::clamp(*start_num, -1e15, 1e15)));
  if (start < 0) start = std::max<int64_t>(0, n + start);
  start = std::min(start, n);
  int64_t end = n;
  if (a.size() > 2) {
    const auto len = a[2].AsNumber();
    if (!len || !std::isfinite(*len)) return {};
    end = std::clamp<int64_t>(start + static_cast<int64_t>(std::max(0.0, std::min(*len, 1e15))),
                              start, n);
  }
  return Value::String(s.substr(cp[start], cp[end] - cp[start]));
}

// replace(s, search, replacement): every non-overlapping occurrence, literally.
Value Replace(Args a, const Period&) {
  if (AnyNull(a)) return {};
  const std::string s = a[0].ToString(), from = a[1].ToString(), to = a[2].ToString();
  if (from.empty()) return Value::String(s);
  std::string out;
  size_t i = 0;
  while (true) {
    const size_t j = s.find(from, i);
    if (j == std::string::npos) break;
    out.append(s, i, j - i);
    out += to;
    i = j + from.size();
  }
  out.append(s, i);
  return Value::String(std::move(out));
}

Value StrContains(Args a, const Period&) {
  if (AnyNull(a)) return {};
  return Value::Number(a[0].ToString().find(a[1].ToString()) != std::string::npos ? 1 : 0);
}

Value IsEmpty(Args a, const Period&) {
  return Value::Bool(a[0].is_null() || a[0].ToString().empty());
}

Value IsBlank(Args a, const Period&) {
  if (a[0].is_null()) return Value::Bool(true);
  const std::string s = a[0].ToString();
  return Value::Bool(s.find_first_not_of(" \t\n\r\f\v") == std::string::npos);
}

Value IsPresent(Args a, const Period&) { return Value::Bool(!a[0].is_null()); }

Value Coalesce(Args a, const Period&) {
  for (const Value& v : a) {
    if (!v.is_null()) return v;
  }
  return {};
}

template <double (*F)(double)>
Value Math(Args a, const Period&) {
  if (AnyNull(a)) return {};
  const auto x = a[0].AsNumber();
  return x ? Value::Number(F(*x)) : Value();
}
double Abs(double x) { return std::fabs(x); }
double Ceil(double x) { return std::ceil(x); }
double Floor(double x) { return std::floor(x); }
double Ln(double x) { return std::log(x); }
double Sqrt(double x) { return std::sqrt(x); }

// greatest/least over the numeric arguments; non-numbers and nulls are skipped.
template <bool kGreatest>
Value Extreme(Args a, const Period&) {
  std::optional<double> best;
  for (const Value& v : a) {
    const auto x = v.AsNumber();
    if (x && (!best || (kGreatest ? *x > *best : *x < *best))) best = x;
  }
  return best ? Value::Number(*best) : Value();
}

std::optional<Timestamp> TimeOf(const Value& v) {
  const auto x = v.AsNumber();
  if (!x || !std::isfinite(*x) || std::fabs(*x) > 1e16) return std::nullopt;
  return static_cast<Timestamp>(std::llround(*x));
}

Value Bin(Args a, const Period& p) {
  const auto t = TimeOf(a[0]);
  return t ? Value::Time(FloorTime(*t, p)) : Value();
}
Value DateFloor(Args a, const Period& p) { return Bin(a, p); }
Value DateCeil(Args a, const Period& p) {
  const auto t = TimeOf(a[0]);
  if (!t) return {};
  const Timestamp f = FloorTime(*t, p);
  if (f == *t) return Value::Time(f);
  if (p.months > 0) {
    // Months last 28 to 31 days, so this lands inside the next period.
    return Value::Time(FloorTime(f + p.months * 31LL * 86'400'000, p));
  }
  return Value::Time(f + p.ms);
}

Value FromMillis(Args a, const Period&) {
  const auto t = TimeOf(a[0]);
  return t ? Value::Time(*t) : Value();
}
Value ToMillis(Args a, const Period&) {
  const auto t = TimeOf(a[0]);
  return t ? Value::Number(static_cast<double>(*t)) : Value();
}

// IP addresses: parsed with inet_pton, so only canonical dotted quads and RFC 4291 text pass.
struct Ip {
  int family = 0;  // AF_INET or AF_INET6
  unsigned char bytes[16] = {};
};

std::optional<Ip> ParseIp(const std::string& s) {
  Ip ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

Value IpValid(Args a, int family) {
  if (AnyNull(a)) return Value::Bool(false);
  const auto ip = ParseIp(a[0].ToString());
  return Value::Bool(ip && (family == 0 || ip->family == family));
}
Value IsValidIp(Args a, const Period&) { return IpValid(a, 0); }
Value IsValidIpV4(Args a, const Period&) { return IpValid(a, AF_INET); }
Value IsValidIpV6(Args a, const Period&) { return IpValid(a, AF_INET6); }

Value InSubnet(Args a, int family) {
  if (AnyNull(a)) return Value::Bool(false);
  const auto ip = ParseIp(a[0].ToString());
  const std::string cidr = a[1].ToString();
  const size_t slash = cidr.find('/');
  const auto net = ParseIp(cidr.substr(0, slash));
  if (!ip || !net || ip->family != net->family || (family != 0 && ip->family != family)) {
    return Value::Bool(false);
  }
  const int max_bits = ip->family == AF_INET ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string::npos) {
    const auto b = ParseNumber(cidr.substr(slash + 1));
    if (!b || *b < 0 || *b > max_bits || *b != std::floor(*b)) return Value::Bool(false);
    bits = static_cast<int>(*b);
  }
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8, mask = 0x80 >> (i % 8);
    if ((ip->bytes[byte] & mask) != (net->bytes[byte] & mask)) return Value::Bool(false);
  }
  return Value::Bool(true);
}
Value IsIpInSubnet(Args a, const Period&) { return InSubnet(a, 0); }
Value IsIpv4InSubnet(Args a, const Period&) { return InSubnet(a, AF_INET); }
Value IsIpv6InSubnet(Args a, const Period&) { return InSubnet(a, AF_INET6); }

constexpr FunctionSpec kFunctions[] = {
    {"strlen", 1, 1, -1, false, StrLen},
    {"toupper", 1, 1, -1, false, ToUpper},
    {"tolower", 1, 1, -1, false, ToLower},
    {"trim", 1, 2, -1, false, TrimBoth},
    {"ltrim", 1, 2, -1, false, TrimLeft},
    {"rtrim", 1, 2, -1, false, TrimRight},
    {"concat", 1, -1, -1, false, Concat},
    {"substr", 2, 3, -1, false, Substr},
    {"replace", 3, 3, -1, false, Replace},
    {"strcontains", 2, 2, -1, false, StrContains},
    {"isempty", 1, 1, -1, false, IsEmpty},
    {"isblank", 1, 1, -1, false, IsBlank},
    {"ispresent", 1, 1, -1, false, IsPresent},
    {"coalesce", 1, -1, -1, false, Coalesce},
    {"abs", 1, 1, -1, false, Math<Abs>},
    {"ceil", 1, 1, -1, false, Math<Ceil>},
    {"floor", 1, 1, -1, false, Math<Floor>},
    {"log", 1, 1, -1, false, Math<Ln>},
    {"sqrt", 1, 1, -1, false, Math<Sqrt>},
    {"greatest", 1, -1, -1, false, Extreme<true>},
    {"least", 1, -1, -1, false, Extreme<false>},
    {"bin", 1, 1, 0, true, Bin},
    {"datefloor", 2, 2, 1, false, DateFloor},
    {"dateceil", 2, 2, 1, false, DateCeil},
    {"frommillis", 1, 1, -1, false, FromMillis},
    {"tomillis", 1, 1, -1, false, ToMillis},
    {"isvalidip", 1, 1, -1, false, IsValidIp},
    {"isvalidipv4", 1, 1, -1, false, IsValidIpV4},
    {"isvalidipv6", 1, 1, -1, false, IsValidIpV6},
    {"isipinsubnet", 2, 2, -1, false, IsIpInSubnet},
    {"isipv4insubnet", 2, 2, -1, false, IsIpv4InSubnet},
    {"isipv6insubnet", 2, 2, -1, false, IsIpv6InSubnet},
};

struct AggName {
  const char* name;
  AggKind kind;
};
constexpr AggName kAggregates[] = {
    {"count", AggKind::kCount},
    {"count_distinct", AggKind::kCountDistinct},
    {"sum", AggKind::kSum},
    {"avg", AggKind::kAvg},
    {"min", AggKind::kMin},
    {"max", AggKind::kMax},
    {"stddev", AggKind::kStddev},
    {"pct", AggKind::kPct},
    {"earliest", AggKind::kEarliest},
    {"latest", AggKind::kLatest},
    {"sortsfirst", AggKind::kSortsFirst},
    {"sortslast", AggKind::kSortsLast},
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

int LookupFunction(std::string_view lower_name) {
  for (size_t i = 0; i < std::size(kFunctions); ++i) {
    if (lower_name == kFunctions[i].name) return static_cast<int>(i);
  }
  return -1;
}

const FunctionSpec& FunctionAt(int index) { return kFunctions[index]; }

std::optional<AggKind> LookupAggregate(std::string_view lower_name) {
  for (const AggName& a : kAggregates) {
    if (lower_name == a.name) return a.kind;
  }
  return std::nullopt;
}

std::optional<Period> MakePeriod(double amount, std::string_view unit) {
  struct Unit {
    const char* names[4];
    int64_t ms;
    int months;
  };
  static constexpr Unit kUnits[] = {
      {{"ms", "msec", "millisecond", nullptr}, 1, 0},
      {{"s", "sec", "second", nullptr}, 1000, 0},
      {{"m", "min", "minute", nullptr}, 60'000, 0},
      {{"h", "hr", "hour", nullptr}, 3'600'000, 0},
      {{"d", "day", nullptr, nullptr}, 86'400'000, 0},
      {{"w", "week", nullptr, nullptr}, 7 * 86'400'000LL, 0},
      {{"mo", "mon", "month", nullptr}, 0, 1},
      {{"q", "qtr", "quarter", nullptr}, 0, 3},
      {{"y", "yr", "year", nullptr}, 0, 12},
  };
  std::string u(unit);
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Unit& k : kUnits) {
    for (const char* n : k.names) {
      if (!n) break;
      // Units longer than one character may be pluralized: hrs, mins, days.
      const bool plural = std::strlen(n) > 1 && u == std::string(n) + "s";
      if (u != n && !plural) continue;
      if (!(amount > 0) || amount > 1e12) return std::nullopt;
      Period p;
      if (k.months > 0) {
        if (amount != std::floor(amount) || amount > 12000) return std::nullopt;
        p.months = static_cast<int>(amount) * k.months;
      } else {
        const double ms = amount * static_cast<double>(k.ms);
        if (ms != std::floor(ms) || ms < 1 || ms > 1e15) return std::nullopt;  // ~31,000 years
        p.ms = static_cast<int64_t>(ms);
      }
      return p;
    }
  }
  return std::nullopt;
}

Timestamp FloorTime(Timestamp t, const Period& p) {
  if (p.months == 0) {
    // Whole weeks start on Monday (1970-01-05), not on the epoch's Thursday.
    constexpr int64_t kWeek = 7 * 86'400'000LL, kMonday = 4 * 86'400'000LL;
    const int64_t offset = p.ms % kWeek == 0 ? kMonday : 0;
    return FloorDiv(t - offset, p.ms) * p.ms + offset;
  }
  int64_t y;
  int m, d;
  CivilFromDays(FloorDiv(t, 86'400'000), y, m, d);
  const int64_t months = (y - 1970) * 12 + (m - 1);
  const int64_t start = FloorDiv(months, p.months) * p.months;
  const int64_t sy = 1970 + FloorDiv(start, 12);
  const int sm = static_cast<int>(start - FloorDiv(start, 12) * 12) + 1;
  return DaysFromCivil(sy, sm, 1) * 86'400'000;
}

}  // namespace fw::logs::insights
