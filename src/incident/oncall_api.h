#pragma once
// The on-call HTTP API, read-only, over the schedules and escalation
// policies of firewatch.yml:
//
//   GET /api/v1/oncall?at=T&schedule=S
//       {"at": T, "schedules": [{"name", "time_zone", "on_call": user or null,
//        "since": T or null, "until": T or null, "since_local", "until_local"}]}
//   GET /api/v1/oncall/shifts?schedule=S&from=T&to=T
//       {"schedule", "time_zone", "from", "to",
//        "shifts": [{"user", "start", "end", "start_local", "end_local"}]}
//   GET /api/v1/escalation_policies
//       {"policies": [{"name", "repeat", "levels": [{"targets", "delay_seconds"}]}]}
//
// T is RFC 3339 or Unix seconds; `at` and `from` default to now, `to` to a
// week after `from`, and a shifts window is at most 92 days (minute
// resolution). since/until bound the shift holding `at`, searched 14 days
// each way. Anyone with a viewer token (or anonymous reads) may call them.

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "common/clock.h"
#include "incident/oncall.h"
#include "server/http.h"

namespace fw::incident {

// The `data` of the answers above, for the CLI to print the same whether it
// reads a config file or asks a server. Times also come as local text in the
// schedule's zone ("since_local": "2026-01-12 09:00 Mon +01:00").
// only: one schedule's name, or "" for all. kNotFound for an unknown schedule.
Result<nlohmann::json> OnCallJson(const OnCallConfig& config, Timestamp at,
                                  const std::string& only);
Result<nlohmann::json> ShiftsJson(const OnCallConfig& config, const std::string& schedule,
                                  Timestamp from, Timestamp to);
nlohmann::json PoliciesJson(const OnCallConfig& config);

// REQUIRES: config and clock outlive the server.
void RegisterOnCallApi(server::HttpServer& http, const OnCallConfig& config, Clock& clock);

// Overrides and swaps while serving (override_book.h), responders and up:
//   GET    /api/v1/oncall/overrides      {"overrides": [{"id", "schedule", "user",
//                                         "start", "end", "by", "reason"}]}
//   POST   /api/v1/oncall/overrides      {"schedule", "user", "start", "end", "reason"?}
//   POST   /api/v1/oncall/swaps          {"schedule", "from", "to", "start", "end"}:
//                                         `to` covers `from`'s shifts in the window
//   DELETE /api/v1/oncall/overrides/:id
// REQUIRES: config and book outlive the server.
class OverrideBook;
void RegisterOverrideApi(server::HttpServer& http, const OnCallConfig& config, OverrideBook& book);

}  // namespace fw::incident
