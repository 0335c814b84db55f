#pragma once
// Recurring time intervals, Alertmanager's `time_intervals`: named sets of
// wall-clock periods that routes use as maintenance windows
// (`mute_time_intervals`) or business hours (`active_time_intervals`).
//
//   time_intervals:
//     - name: weekly-maintenance
//       time_intervals:
//         - times: [{start_time: "02:00", end_time: "04:00"}]
//           weekdays: [sunday]
//           location: Europe/Berlin
//
// One entry of `time_intervals` contains an instant when every field it
// sets contains it; an absent field contains everything. A named interval
// contains an instant when any of its entries does. Fields, in local time of
// `location` (an IANA zone, default UTC), so a window follows daylight
// saving: `times` (start inclusive, end exclusive, "HH:MM", end up to
// "24:00"), `weekdays` ("monday" or "monday:friday"), `days_of_month` (1..31,
// or -1 for the last day; "1:7", "-3:-1"), `months` ("january:march" or
// 1..12), `years` ("2026:2027"). Ranges are inclusive. Immutable after
// parsing; safe to share across threads.

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/timezone.h"
#include "common/yaml_reader.h"

namespace fw::alerting {

struct InclusiveRange {
  int begin = 0, end = 0;
};

struct TimeInterval {
  std::vector<InclusiveRange> times;  // minutes of the day; end exclusive here
  std::vector<InclusiveRange> weekdays, days_of_month, months, years;
  TimeZone location = TimeZone::Utc();
  bool Contains(Timestamp t) const;
};

struct NamedTimeInterval {
  std::string name;
  std::vector<TimeInterval> intervals;
  bool Contains(Timestamp t) const;
};

// Reads top-level `time_intervals` (and the older `mute_time_intervals`,
// same shape) from a config document. Problems go to `r`.
std::vector<NamedTimeInterval> ParseTimeIntervals(YamlReader& r, const YAML::Node& doc);

}  // namespace fw::alerting
