#pragma once
// On-call schedules and escalation policies, configured in firewatch.yml:
//
//   schedules:
//     - name: primary
//       time_zone: Europe/Berlin
//       layers:                          # later layers win where they cover
//         - name: weekly
//           start: "2026-01-05 09:00"    # local time of the first handoff
//           rotation: 1w                 # handoffs keep local time across DST
//           users: [alice, bob, carol]
//         - name: office-hours
//           start: "2026-01-05 09:00"
//           rotation: 1d
//           users: [dave]
//           restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
//       overrides:
//         - {user: erin, start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}
//   escalation_policies:
//     - name: default
//       repeat: 2                        # run the levels this many more times
//       levels:
//         - {targets: ["schedule:primary"], delay: 5m}   # delay before the next level
//         - {targets: ["user:lead", "schedule:secondary"], delay: 10m}
//
// Who is on call: an override covering the instant, else the last layer
// that covers it, else nobody. Immutable after parsing; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/timezone.h"
#include "common/yaml_reader.h"

namespace fw::incident {

struct Restriction {
  std::vector<int> weekdays;  // 0 = Sunday; empty = every day
  int start_minute = 0;       // local minutes after midnight
  int end_minute = 24 * 60;   // exclusive; below start = across midnight
};

struct Layer {
  std::string name;
  CivilTime start;  // local
  Millis rotation{7 * 24 * 3'600'000};
  std::vector<std::string> users;
  std::vector<Restriction> restrictions;
};

struct Override {
  std::string user;
  Timestamp start = 0, end = 0;
};

struct Shift {
  std::string user;
  Timestamp start = 0, end = 0;
};

class OverrideBook;

struct Schedule {
  std::string name;
  TimeZone tz = TimeZone::Utc();
  std::vector<Layer> layers;
  std::vector<Override> overrides;
  // Overrides and swaps made while serving (override_book.h); they win over
  // the config's. Null: none. REQUIRES: outlives the schedule's use.
  const OverrideBook* book = nullptr;

  // "" when nobody is on call at t.
  std::string OnCall(Timestamp t) const;
  // Who is on call over [from, to), merged into shifts (minute resolution).
  std::vector<Shift> Shifts(Timestamp from, Timestamp to) const;
};

struct EscalationLevel {
  std::vector<std::string> targets;  // "user:NAME" or "schedule:NAME"
  Millis delay{5 * 60'000};          // before the next level
};

struct EscalationPolicy {
  std::string name;
  std::vector<EscalationLevel> levels;
  int repeat = 0;
};

struct OnCallConfig {
  std::vector<Schedule> schedules;
  std::vector<EscalationPolicy> policies;
  const Schedule* FindSchedule(const std::string& name) const;
  const EscalationPolicy* FindPolicy(const std::string& name) const;
  // The people a target means at t ("" entries dropped).
  std::vector<std::string> Resolve(const std::string& target, Timestamp t) const;
};

// Who a schedule has on call at an instant, and the shift around it.
struct OnCallAt {
  const Schedule* schedule = nullptr;
  std::string user;  // "" when nobody
  // Bounds of the shift (or gap) holding the instant, looked for at most
  // kShiftSearch away (minute resolution); nullopt when farther.
  std::optional<Timestamp> since, until;
};
inline constexpr Timestamp kShiftSearch = 14LL * 24 * 3'600'000;
OnCallAt WhoIsOnCall(const Schedule& s, Timestamp at);

// "HH:MM" -> minutes after midnight ("24:00" allowed as an end).
std::optional<int> ParseClock(const std::string& s);

// Reads `schedules` and `escalation_policies` from a config document.
// Problems (unknown zones, bad times, unknown targets) go to `r`.
OnCallConfig ParseOnCall(YamlReader& r, const YAML::Node& doc);

// One page of an escalation: who, at which level and round.
struct Page {
  size_t level = 0;
  int round = 0;  // 0 for the first pass, then 1..repeat
  Timestamp at = 0;
  std::vector<std::string> users;
  std::vector<std::string> targets;
};

// The escalation of one incident: pages fall due level after level until
// acknowledged. Not thread-safe.
class Escalation {
 public:
  // REQUIRES: policy and config outlive this object.
  Escalation(const EscalationPolicy& policy, const OnCallConfig& config, Timestamp started);
  // Pages due by `now` that were not returned before.
  std::vector<Page> Due(Timestamp now);
  // Stops further pages.
  void Acknowledge() { acknowledged_ = true; }
  bool acknowledged() const { return acknowledged_; }
  // When the next page falls due; nullopt once acknowledged or exhausted.
  std::optional<Timestamp> Next() const;

 private:
  const EscalationPolicy& policy_;
  const OnCallConfig& config_;
  Timestamp next_at_;
  size_t next_level_ = 0;
  int round_ = 0;
  bool acknowledged_ = false;
};

}  // namespace fw::incident
