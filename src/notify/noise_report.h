#pragma once
// The incident-fatigue report over a window of incidents (`firewatch report
// noise --since 30d`, GET /api/v1/reports/noise?since=30d), from what the
// timelines hold:
//  - pages per person ("paged alice by sms" entries) and how many fell off
//    hours (before 08:00, from 18:00, or a weekend, in the person's zone);
//  - per rule (alertname): incidents, notifications and person pages,
//    firings, incidents nobody acted on (no acknowledgement, note, action or
//    status update by a person before they resolved: the alert fired
//    without any action), and flaps (an alert firing again within an
//    incident after it resolved);
//  - MTTA by hour of day (incident opened, in `zone`);
//  - a suggestion per noisy rule: raise `for` (flapping), group (many
//    incidents), route to a ticket instead of a page (nobody acts), keep it
//    off nights (mostly off-hours pages of a low severity).
// Alerts that never made an incident are not in the incident store: firewatch
// opens one for every notified alert, so silenced alerts are the only such.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "incident/service.h"
#include "notify/contacts.h"
#include "server/http.h"

namespace fw::notify {

struct NoiseOptions {
  Timestamp from = 0, to = 0;
  TimeZone zone = TimeZone::Utc();         // for MTTA by hour and people without a zone
  const PagingSettings* people = nullptr;  // their time zones; may be null
};

struct RuleNoise {
  std::string rule;
  int incidents = 0, notifications = 0, pages = 0, off_hours = 0;
  int firings = 0, flaps = 0, no_action = 0;
  std::string suggestion;  // "" when quiet enough
};

struct PersonNoise {
  std::string person;
  int pages = 0, off_hours = 0;
};

struct NoiseReport {
  Timestamp from = 0, to = 0;
  std::string zone;
  int incidents = 0, acknowledged = 0, no_action = 0;
  std::vector<PersonNoise> people;  // most paged first
  std::vector<RuleNoise> rules;     // noisiest first
  struct Hour {
    int acknowledged = 0;
    double mtta_seconds = 0;  // mean
  };
  Hour by_hour[24];
};

Result<NoiseReport> BuildNoiseReport(const incident::IncidentService& incidents,
                                     const NoiseOptions& options);
nlohmann::json NoiseJson(const NoiseReport& r);
std::string NoiseText(const NoiseReport& r);

// GET /api/v1/reports/noise?since=30d (or from=T&to=T), viewer; format=text
// for the CLI's table. REQUIRES: incidents and clock outlive the server;
// people may be null.
void RegisterNoiseApi(server::HttpServer& http, const incident::IncidentService& incidents,
                      Clock& clock, const PagingSettings* people);

}  // namespace fw::notify
