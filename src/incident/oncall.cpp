#include "incident/oncall.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "incident/override_book.h"

namespace fw::incident {
namespace {

constexpr int64_t kMinute = 60'000;

int64_t LocalSeconds(const CivilTime& c) {
  return DaysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

// "2026-01-05 09:00" or "2026-01-05T09:00[:00]" as a local civil time.
std::optional<CivilTime> ParseLocal(const std::string& s) {
  CivilTime c;
  char sep = 0, tail = 0;
  const int n = std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d:%d%c", &c.year, &c.month, &c.day, &sep,
                            &c.hour, &c.minute, &c.second, &tail);
  if ((n != 6 && n != 7) || (sep != ' ' && sep != 'T')) return std::nullopt;
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 || c.hour > 23 || c.minute > 59 ||
      c.second > 59) {
    return std::nullopt;
  }
  return c;
}

std::optional<int> Weekday(const std::string& s) {
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i) {
    if (s.substr(0, 3) == kDays[i]) return i;
  }
  return std::nullopt;
}

bool Covers(const Restriction& r, const CivilTime& local) {
  const int minute = local.hour * 60 + local.minute;
  auto day_ok = [&](int wd) {
    return r.weekdays.empty() ||
           std::find(r.weekdays.begin(), r.weekdays.end(), wd) != r.weekdays.end();
  };
  if (r.start_minute <= r.end_minute) {
    return day_ok(local.weekday) && minute >= r.start_minute && minute < r.end_minute;
  }
  // Across midnight: the evening part belongs to today, the morning part to
  // the window that started yesterday.
  if (minute >= r.start_minute) return day_ok(local.weekday);
  return minute < r.end_minute && day_ok((local.weekday + 6) % 7);
}

std::string LayerOnCall(const Layer& layer, const TimeZone& tz, Timestamp t) {
  if (layer.users.empty()) return "";
  const CivilTime local = tz.ToLocal(t);
  const int64_t elapsed = LocalSeconds(local) - LocalSeconds(layer.start);
  if (elapsed < 0) return "";
  if (!layer.restrictions.empty()) {
    bool any = false;
    for (const Restriction& r : layer.restrictions) any = any || Covers(r, local);
    if (!any) return "";
  }
  const int64_t rotation = std::max<int64_t>(1, layer.rotation.count() / 1000);
  return layer.users[static_cast<size_t>((elapsed / rotation) % layer.users.size())];
}

Layer ParseLayer(YamlReader& r, const YAML::Node& n, const std::string& path) {
  Layer l;
  if (!r.Keys(n, path, {"name", "start", "rotation", "users", "restrictions"})) return l;
  r.Str(n, path, "name", l.name);
  std::string start;
  r.Str(n, path, "start", start);
  if (auto c = ParseLocal(start)) {
    l.start = *c;
  } else {
    r.Fail(YamlChild(n, "start"), path + ".start",
           "expected a local time like \"2026-01-05 09:00\"");
  }
  r.Dur(n, path, "rotation", l.rotation);
  r.StrList(n, path, "users", l.users);
  if (l.users.empty()) r.Fail(n, path + ".users", "a layer needs at least one user");
  const YAML::Node rs = YamlChild(n, "restrictions");
  for (size_t i = 0; rs.IsSequence() && i < rs.size(); ++i) {
    const std::string rp = YamlReader::Index(path + ".restrictions", i);
    if (!r.Keys(rs[i], rp, {"days", "start", "end"})) continue;
    Restriction res;
    std::vector<std::string> days;
    std::string from = "00:00", to = "24:00";
    r.StrList(rs[i], rp, "days", days);
    r.Str(rs[i], rp, "start", from);
    r.Str(rs[i], rp, "end", to);
    for (const std::string& d : days) {
      if (auto wd = Weekday(d)) {
        res.weekdays.push_back(*wd);
      } else {
        r.Fail(YamlChild(rs[i], "days"), rp + ".days", "unknown day \"" + d + "\" (use mon..sun)");
      }
    }
    auto a = ParseClock(from), b = ParseClock(to);
    if (!a || !b) {
      r.Fail(rs[i], rp, "start and end must be local times like \"09:00\"");
    } else {
      res.start_minute = *a;
      res.end_minute = *b;
    }
    l.restrictions.push_back(std::move(res));
  }
  return l;
}

Schedule ParseSchedule(YamlReader& r, const YAML::Node& n, const std::string& path) {
  Schedule s;
  if (!r.Keys(n, path, {"name", "time_zone", "layers", "overrides"})) return s;
  r.Str(n, path, "name", s.name);
  if (s.name.empty()) r.Fail(n, path + ".name", "required");
  std::string zone = "UTC";
  r.Str(n, path, "time_zone", zone);
  if (auto tz = TimeZone::Load(zone)) {
    s.tz = *tz;
  } else {
    r.Fail(YamlChild(n, "time_zone"), path + ".time_zone", tz.error().message());
  }
  const YAML::Node layers = YamlChild(n, "layers");
  for (size_t i = 0; layers.IsSequence() && i < layers.size(); ++i) {
    s.layers.push_back(ParseLayer(r, layers[i], YamlReader::Index(path + ".layers", i)));
  }
  if (s.layers.empty()) r.Fail(n, path + ".layers", "a schedule needs at least one layer");
  const YAML::Node ovs = YamlChild(n, "overrides");
  for (size_t i = 0; ovs.IsSequence() && i < ovs.size(); ++i) {
    const std::string op = YamlReader::Index(path + ".overrides", i);
    if (!r.Keys(ovs[i], op, {"user", "start", "end"})) continue;
    Override o;
    std::string a, b;
    r.Str(ovs[i], op, "user", o.user);
    r.Str(ovs[i], op, "start", a);
    r.Str(ovs[i], op, "end", b);
    auto ta = ParseTimestamp(a), tb = ParseTimestamp(b);
    if (!ta || !tb || *tb <= *ta || o.user.empty()) {
      r.Fail(ovs[i], op, "an override needs a user and RFC 3339 start < end");
      continue;
    }
    o.start = *ta;
    o.end = *tb;
    s.overrides.push_back(std::move(o));
  }
  return s;
}

}  // namespace

std::optional<int> ParseClock(const std::string& s) {
  int h = 0, m = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &tail) != 2) return std::nullopt;
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string Schedule::OnCall(Timestamp t) const {
  if (book) {
    if (auto who = book->At(name, t)) return *who;
  }
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (it->start <= t && t < it->end) return it->user;
  }
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    std::string who = LayerOnCall(*it, tz, t);
    if (!who.empty()) return who;
  }
  return "";
}

std::vector<Shift> Schedule::Shifts(Timestamp from, Timestamp to) const {
  std::vector<Shift> out;
  for (Timestamp t = from; t < to; t += kMinute) {
    const std::string who = OnCall(t);
    if (!out.empty() && out.back().user == who && out.back().end == t) {
      out.back().end = std::min(t + kMinute, to);
      continue;
    }
    out.push_back({who, t, std::min(t + kMinute, to)});
  }
  std::erase_if(out, [](const Shift& s) { return s.user.empty(); });
  return out;
}

OnCallAt WhoIsOnCall(const Schedule& s, Timestamp at) {
  OnCallAt out;
  out.schedule = &s;
  out.user = s.OnCall(at);
  // Handoffs fall on minutes: walk minute starts out from the instant.
  const Timestamp minute = at - ((at % kMinute) + kMinute) % kMinute;
  for (Timestamp t = minute; t >= minute - kShiftSearch; t -= kMinute) {
    if (s.OnCall(t - 1) != out.user) {
      out.since = t;
      break;
    }
  }
  for (Timestamp t = minute + kMinute; t <= minute + kShiftSearch; t += kMinute) {
    if (s.OnCall(t) != out.user) {
      out.until = t;
      break;
    }
  }
  return out;
}

const Schedule* OnCallConfig::FindSchedule(const std::string& name) const {
  for (const Schedule& s : schedules) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const EscalationPolicy* OnCallConfig::FindPolicy(const std::string& name) const {
  for (const EscalationPolicy& p : policies) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> OnCallConfig::Resolve(const std::string& target, Timestamp t) const {
  if (target.starts_with("user:")) return {target.substr(5)};
  if (target.starts_with("schedule:")) {
    const Schedule* s = FindSchedule(target.substr(9));
    if (!s) return {};
    std::string who = s->OnCall(t);
    if (who.empty()) return {};
    return {who};
  }
  return {};
}

OnCallConfig ParseOnCall(YamlReader& r, const YAML::Node& doc) {
  OnCallConfig cfg;
  const YAML::Node schedules = YamlChild(doc, "schedules");
  std::set<std::string> names;
  for (size_t i = 0; schedules.IsSequence() && i < schedules.size(); ++i) {
    const std::string path = YamlReader::Index("schedules", i);
    cfg.schedules.push_back(ParseSchedule(r, schedules[i], path));
    if (!names.insert(cfg.schedules.back().name).second) {
      r.Fail(schedules[i], path + ".name",
             "schedule \"" + cfg.schedules.back().name + "\" repeats");
    }
  }
  const YAML::Node policies = YamlChild(doc, "escalation_policies");
  for (size_t i = 0; policies.IsSequence() && i < policies.size(); ++i) {
    const std::string path = YamlReader::Index("escalation_policies", i);
    EscalationPolicy p;
    if (!r.Keys(policies[i], path, {"name", "levels", "repeat"})) continue;
    r.Str(policies[i], path, "name", p.name);
    uint64_t repeat = 0;
    r.Uint(policies[i], path, "repeat", repeat);
    p.repeat = static_cast<int>(std::min<uint64_t>(repeat, 10));
    const YAML::Node levels = YamlChild(policies[i], "levels");
    for (size_t k = 0; levels.IsSequence() && k < levels.size(); ++k) {
      const std::string lp = YamlReader::Index(path + ".levels", k);
      EscalationLevel level;
      if (!r.Keys(levels[k], lp, {"targets", "delay"})) continue;
      r.StrList(levels[k], lp, "targets", level.targets);
      r.Dur(levels[k], lp, "delay", level.delay);
      for (const std::string& t : level.targets) {
        const bool user = t.starts_with("user:") && t.size() > 5;
        const bool sched = t.starts_with("schedule:") && names.contains(t.substr(9));
        if (!user && !sched) {
          r.Fail(levels[k], lp + ".targets",
                 "unknown target \"" + t + "\" (use user:NAME or schedule:NAME of a schedule)");
        }
      }
      p.levels.push_back(std::move(level));
    }
    if (p.levels.empty()) r.Fail(policies[i], path + ".levels", "a policy needs a level");
    cfg.policies.push_back(std::move(p));
  }
  return cfg;
}

Escalation::Escalation(const EscalationPolicy& policy, const OnCallConfig& config,
                       Timestamp started)
    : policy_(policy), config_(config), next_at_(started) {}

std::vector<Page> Escalation::Due(Timestamp now) {
  std::vector<Page> out;
  while (!acknowledged_ && round_ <= policy_.repeat && next_level_ < policy_.levels.size() &&
         next_at_ <= now) {
    const EscalationLevel& level = policy_.levels[next_level_];
    Page page{next_level_, round_, next_at_, {}, level.targets};
    std::set<std::string> seen;
    for (const std::string& target : level.targets) {
      for (std::string& who : config_.Resolve(target, next_at_)) {
        if (seen.insert(who).second) page.users.push_back(std::move(who));
      }
    }
    out.push_back(std::move(page));
    next_at_ += level.delay.count();
    if (++next_level_ == policy_.levels.size()) {
      next_level_ = 0;
      ++round_;
    }
  }
  return out;
}

std::optional<Timestamp> Escalation::Next() const {
  if (acknowledged_ || round_ > policy_.repeat || policy_.levels.empty()) return std::nullopt;
  return next_at_;
}

}  // namespace fw::incident
