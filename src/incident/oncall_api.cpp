#include "incident/oncall_api.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace fw::incident {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

constexpr Timestamp kWeek = 7LL * 24 * 3'600'000;
constexpr Timestamp kMaxWindow = 92LL * 24 * 3'600'000;

Response Ok(const json& data) {
  return Response::Json(200, json{{"status", "success"}, {"data", data}}.dump(
                                 -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

json Time(std::optional<Timestamp> t) { return t ? json(FormatRfc3339Millis(*t)) : json(nullptr); }

// The query parameter `name` as a time, `fallback` when absent.
Result<Timestamp> TimeParam(const Request& req, std::string_view name, Timestamp fallback) {
  const std::string text = req.Param(name);
  if (text.empty()) return fallback;
  auto t = ParseTimestamp(text);
  if (!t) return Fail(ErrorCode::kInvalidArgument, std::string(name) + ": " + t.error().message());
  return t;
}

// "2026-01-12 09:00 Mon +01:00" in the schedule's zone, or null.
json Local(const TimeZone& tz, std::optional<Timestamp> t) {
  if (!t) return nullptr;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const CivilTime c = tz.ToLocal(*t);
  const int off = tz.OffsetSeconds(*t) / 60;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d %s %c%02d:%02d", c.year, c.month, c.day,
                c.hour, c.minute, kDays[c.weekday % 7], off < 0 ? '-' : '+', std::abs(off) / 60,
                std::abs(off) % 60);
  return std::string(buf);
}

Result<const Schedule*> Find(const OnCallConfig& config, const std::string& name) {
  if (const Schedule* s = config.FindSchedule(name)) return s;
  std::string known;
  for (const Schedule& s : config.schedules) known += (known.empty() ? "" : ", ") + s.name;
  return Fail(ErrorCode::kNotFound, "no schedule \"" + name + "\" (configured: " +
                                        (known.empty() ? "none" : known) + ")");
}

Response Answer(const Result<json>& data) {
  return data ? Ok(*data) : Response::FromError(data.error());
}

}  // namespace

Result<json> OnCallJson(const OnCallConfig& config, Timestamp at, const std::string& only) {
  if (!only.empty()) {
    if (auto s = Find(config, only); !s) return Fail(s.error());
  }
  json list = json::array();
  for (const Schedule& s : config.schedules) {
    if (!only.empty() && s.name != only) continue;
    const OnCallAt who = WhoIsOnCall(s, at);
    list.push_back({{"name", s.name},
                    {"time_zone", s.tz.name()},
                    {"on_call", who.user.empty() ? json(nullptr) : json(who.user)},
                    {"since", Time(who.since)},
                    {"until", Time(who.until)},
                    {"since_local", Local(s.tz, who.since)},
                    {"until_local", Local(s.tz, who.until)}});
  }
  return json{{"at", FormatRfc3339Millis(at)}, {"schedules", list}};
}

Result<json> ShiftsJson(const OnCallConfig& config, const std::string& schedule, Timestamp from,
                        Timestamp to) {
  if (schedule.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "schedule: required (?schedule=NAME)");
  }
  auto s = Find(config, schedule);
  if (!s) return Fail(s.error());
  if (to <= from || to - from > kMaxWindow) {
    return Fail(ErrorCode::kInvalidArgument, "from must be before to, at most 92 days apart");
  }
  const TimeZone& tz = (*s)->tz;
  json shifts = json::array();
  for (const Shift& sh : (*s)->Shifts(from, to)) {
    shifts.push_back({{"user", sh.user},
                      {"start", FormatRfc3339Millis(sh.start)},
                      {"end", FormatRfc3339Millis(sh.end)},
                      {"start_local", Local(tz, sh.start)},
                      {"end_local", Local(tz, sh.end)}});
  }
  return json{{"schedule", (*s)->name},
              {"time_zone", tz.name()},
              {"from", FormatRfc3339Millis(from)},
              {"to", FormatRfc3339Millis(to)},
              {"shifts", shifts}};
}

json PoliciesJson(const OnCallConfig& config) {
  json list = json::array();
  for (const EscalationPolicy& p : config.policies) {
    json levels = json::array();
    for (const EscalationLevel& l : p.levels) {
      levels.push_back({{"targets", l.targets}, {"delay_seconds", l.delay.count() / 1000.0}});
    }
    list.push_back({{"name", p.name}, {"repeat", p.repeat}, {"levels", levels}});
  }
  return json{{"policies", list}};
}

void RegisterOnCallApi(server::HttpServer& http, const OnCallConfig& config, Clock& clock) {
  http.Handle("GET", "/api/v1/oncall", server::Role::kViewer,
              [&config, &clock](const Request& req) {
                auto at = TimeParam(req, "at", clock.Now());
                if (!at) return Response::FromError(at.error());
                return Answer(OnCallJson(config, *at, req.Param("schedule")));
              });
  http.Handle("GET", "/api/v1/oncall/shifts", server::Role::kViewer,
              [&config, &clock](const Request& req) {
                auto from = TimeParam(req, "from", clock.Now());
                if (!from) return Response::FromError(from.error());
                auto to = TimeParam(req, "to", *from + kWeek);
                if (!to) return Response::FromError(to.error());
                return Answer(ShiftsJson(config, req.Param("schedule"), *from, *to));
              });
  http.Handle("GET", "/api/v1/escalation_policies", server::Role::kViewer,
              [&config](const Request&) { return Ok(PoliciesJson(config)); });
}

}  // namespace fw::incident
