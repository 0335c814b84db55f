#include "notify/noise_report.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/duration.h"

namespace fw::notify {
namespace {

using incident::EntryKind;
using json = nlohmann::json;

bool OffHours(const TimeZone& tz, Timestamp t) {
  const CivilTime c = tz.ToLocal(t);
  return c.weekday == 0 || c.weekday == 6 || c.hour < 8 || c.hour >= 18;
}

// "paged alice by sms via twilio" -> "alice".
std::string PagedPerson(const std::string& text) {
  if (!text.starts_with("paged ")) return "";
  const size_t end = text.find(' ', 6);
  return text.substr(6, end == std::string::npos ? std::string::npos : end - 6);
}

bool ByPerson(const incident::TimelineEntry& e) {
  return e.actor != incident::kSystemActor && !e.actor.empty();
}

// What one incident's timeline says, folded into the report.
struct IncidentFacts {
  std::map<std::string, std::pair<int, int>> rules;  // rule -> firings, flaps
  int notifications = 0, pages = 0, off_hours = 0;
  bool acted = false;
};

IncidentFacts Facts(const std::vector<incident::TimelineEntry>& timeline, const NoiseOptions& o,
                    std::map<std::string, PersonNoise>& people) {
  IncidentFacts f;
  std::map<std::string, int> state;  // fingerprint -> 1 firing, 2 resolved after firing
  for (const incident::TimelineEntry& e : timeline) {
    const json details = json::parse(e.details, nullptr, false);
    const std::string fp = details.is_object() ? details.value("fingerprint", "") : "";
    if (e.kind == EntryKind::kAlertFiring) {
      auto& [firings, flaps] = f.rules[e.text.substr(0, e.text.rfind(" firing"))];
      ++firings;
      if (state[fp] == 2) ++flaps;
      state[fp] = 1;
    } else if (e.kind == EntryKind::kAlertResolved) {
      if (state[fp] == 1) state[fp] = 2;
    } else if (e.kind == EntryKind::kNotificationSent && e.text.starts_with("notified ") &&
               e.text.find("(firing") != std::string::npos) {
      ++f.notifications;  // the router's notification of firing alerts to a receiver
    } else if (e.kind == EntryKind::kNotificationDelivered) {
      const std::string who = PagedPerson(e.text);
      if (who.empty()) continue;
      const Person* p = o.people ? o.people->FindPerson(who) : nullptr;
      const bool off = OffHours(p ? p->tz : o.zone, e.time);
      PersonNoise& pn = people[who];
      pn.person = who;
      ++pn.pages;
      pn.off_hours += off;
      ++f.pages;
      f.off_hours += off;
    } else if (ByPerson(e) && e.kind != EntryKind::kRoleChange) {
      f.acted = true;  // an acknowledgement, note, action or update by someone
    }
  }
  return f;
}

std::string Suggest(const RuleNoise& r) {
  if (r.flaps >= 2) {
    return "flapping (" + std::to_string(r.flaps) +
           " re-fires): raise the rule's `for` (or set keep_firing_for) so a blip does not page";
  }
  if (r.incidents >= 2 && r.no_action * 2 >= r.incidents) {
    return std::to_string(r.no_action) + " of " + std::to_string(r.incidents) +
           " incidents resolved with nobody acting: route it to a ticket instead of a page";
  }
  if (r.incidents >= 4) {
    return std::to_string(r.incidents) +
           " incidents: group its alerts (route group_by, incidents.correlate_within) into one";
  }
  if (r.pages >= 2 && r.off_hours * 2 > r.pages) {
    return "most pages off hours: lower its severity or hold it with people[].quiet_hours";
  }
  return "";
}

}  // namespace

Result<NoiseReport> BuildNoiseReport(const incident::IncidentService& incidents,
                                     const NoiseOptions& o) {
  incident::IncidentFilter filter;
  filter.created_from = o.from;
  filter.created_to = o.to;
  auto list = incidents.List(filter);
  if (!list) return Fail(list.error());
  NoiseReport r;
  r.from = o.from;
  r.to = o.to;
  r.zone = o.zone.name();
  std::map<std::string, PersonNoise> people;
  std::map<std::string, RuleNoise> rules;
  double mtta_sum[24] = {};
  for (const incident::Incident& inc : *list) {
    auto timeline = incidents.Timeline(inc.id);
    if (!timeline) return Fail(timeline.error());
    const IncidentFacts f = Facts(*timeline, o, people);
    ++r.incidents;
    const bool no_action = !f.acted && !inc.IsOpen();
    r.no_action += no_action;
    if (inc.acknowledged_at) {
      ++r.acknowledged;
      const int hour = o.zone.ToLocal(inc.created_at).hour;
      ++r.by_hour[hour].acknowledged;
      mtta_sum[hour] += static_cast<double>(*inc.acknowledged_at - inc.created_at) / 1000.0;
    }
    for (const auto& [name, counts] : f.rules) {
      RuleNoise& rn = rules[name];
      rn.rule = name;
      ++rn.incidents;
      rn.notifications += f.notifications;
      rn.pages += f.pages;
      rn.off_hours += f.off_hours;
      rn.firings += counts.first;
      rn.flaps += counts.second;
      rn.no_action += no_action;
    }
  }
  for (int h = 0; h < 24; ++h) {
    if (r.by_hour[h].acknowledged)
      r.by_hour[h].mtta_seconds = mtta_sum[h] / r.by_hour[h].acknowledged;
  }
  for (auto& [name, p] : people) r.people.push_back(p);
  std::sort(r.people.begin(), r.people.end(),
            [](const PersonNoise& a, const PersonNoise& b) { return a.pages > b.pages; });
  for (auto& [name, rn] : rules) {
    rn.suggestion = Suggest(rn);
    r.rules.push_back(rn);
  }
  std::sort(r.rules.begin(), r.rules.end(), [](const RuleNoise& a, const RuleNoise& b) {
    return std::tie(b.pages, b.notifications, b.incidents) <
           std::tie(a.pages, a.notifications, a.incidents);
  });
  return r;
}

json NoiseJson(const NoiseReport& r) {
  json people = json::array(), rules = json::array(), hours = json::array();
  for (const PersonNoise& p : r.people) {
    people.push_back({{"person", p.person}, {"pages", p.pages}, {"off_hours", p.off_hours}});
  }
  for (const RuleNoise& x : r.rules) {
    rules.push_back({{"rule", x.rule},
                     {"incidents", x.incidents},
                     {"notifications", x.notifications},
                     {"pages", x.pages},
                     {"off_hours", x.off_hours},
                     {"firings", x.firings},
                     {"flaps", x.flaps},
                     {"no_action", x.no_action},
                     {"suggestion", x.suggestion.empty() ? json(nullptr) : json(x.suggestion)}});
  }
  for (int h = 0; h < 24; ++h) {
    if (!r.by_hour[h].acknowledged) continue;
    hours.push_back({{"hour", h},
                     {"acknowledged", r.by_hour[h].acknowledged},
                     {"mtta_seconds", r.by_hour[h].mtta_seconds}});
  }
  return {{"from", FormatRfc3339Millis(r.from)},
          {"to", FormatRfc3339Millis(r.to)},
          {"time_zone", r.zone},
          {"incidents", r.incidents},
          {"acknowledged", r.acknowledged},
          {"no_action", r.no_action},
          {"people", people},
          {"rules", rules},
          {"mtta_by_hour", hours}};
}

std::string NoiseText(const NoiseReport& r) {
  std::string out = "noise from " + FormatRfc3339Millis(r.from) + " to " +
                    FormatRfc3339Millis(r.to) + ": " + std::to_string(r.incidents) +
                    " incidents, " + std::to_string(r.acknowledged) + " acknowledged, " +
                    std::to_string(r.no_action) + " resolved with nobody acting\n\n";
  out += "PAGES PER PERSON\n";
  if (r.people.empty()) out += "  (no person was paged)\n";
  for (const PersonNoise& p : r.people) {
    out += "  " + p.person + ": " + std::to_string(p.pages) + " pages, " +
           std::to_string(p.off_hours) + " off hours\n";
  }
  out += "\nPER RULE\n";
  for (const RuleNoise& x : r.rules) {
    out += "  " + x.rule + ": " + std::to_string(x.incidents) + " incidents, " +
           std::to_string(x.notifications) + " notifications, " + std::to_string(x.pages) +
           " pages (" + std::to_string(x.off_hours) + " off hours), " + std::to_string(x.firings) +
           " firings, " + std::to_string(x.flaps) + " flaps, " + std::to_string(x.no_action) +
           " without action\n";
    if (!x.suggestion.empty()) out += "    -> " + x.suggestion + "\n";
  }
  out += "\nMTTA BY HOUR OF DAY (" + r.zone + ")\n";
  bool any = false;
  for (int h = 0; h < 24; ++h) {
    if (!r.by_hour[h].acknowledged) continue;
    any = true;
    char line[96];
    std::snprintf(
        line, sizeof line, "  %02d:00  %d acknowledged, mean %s\n", h, r.by_hour[h].acknowledged,
        FormatDuration(Millis(static_cast<int64_t>(r.by_hour[h].mtta_seconds * 1000))).c_str());
    out += line;
  }
  if (!any) out += "  (nothing acknowledged)\n";
  return out;
}

void RegisterNoiseApi(server::HttpServer& http, const incident::IncidentService& incidents,
                      Clock& clock, const PagingSettings* people) {
  http.Handle("GET", "/api/v1/reports/noise", server::Role::kViewer,
              [&incidents, &clock, people](const server::Request& req) {
                NoiseOptions o;
                o.people = people;
                o.to = clock.Now();
                if (const std::string to = req.Param("to"); !to.empty()) {
                  auto t = ParseTimestamp(to);
                  if (!t) return server::Response::FromError(t.error().WithContext("to"));
                  o.to = *t;
                }
                auto since = ParseDuration(req.Param("since", "30d"));
                if (!since) return server::Response::FromError(since.error().WithContext("since"));
                o.from = o.to - since->count();
                if (const std::string zone = req.Param("time_zone"); !zone.empty()) {
                  auto tz = TimeZone::Load(zone);
                  if (!tz) return server::Response::FromError(tz.error().WithContext("time_zone"));
                  o.zone = *tz;
                }
                auto r = BuildNoiseReport(incidents, o);
                if (!r) return server::Response::FromError(r.error());
                if (req.Param("format") == "text")
                  return server::Response::Text(200, NoiseText(*r));
                return server::Response::Json(
                    200, json{{"status", "success"}, {"data", NoiseJson(*r)}}.dump(
                             -1, ' ', false, json::error_handler_t::replace));
              });
}

}  // namespace fw::notify
