#pragma once
// The incident model: an Incident groups related alerts under one dedup key
// and moves through a fixed lifecycle; every event that touches it is a
// TimelineEntry. Pure data plus the lifecycle rules, no storage.
//
// Lifecycle: triggered -> acknowledged -> mitigated -> resolved -> closed.
// Steps may be skipped forward (triggered -> resolved is allowed); resolved
// and closed incidents can be reopened back to triggered. ValidateTransition
// is the single place these rules live.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/labels.h"

namespace fw::incident {

enum class Severity { kP1 = 1, kP2 = 2, kP3 = 3, kP4 = 4 };  // P1 is the worst
enum class State { kTriggered, kAcknowledged, kMitigated, kResolved, kClosed };
enum class Role { kCommander, kScribe, kCommunications };

enum class EntryKind {
  kAlertFiring,
  kAlertResolved,
  kStateChange,
  kSeverityChange,
  kRoleChange,
  kNote,
  kStatusUpdate,  // a message to stakeholders
  kNotificationSent,
  kNotificationDelivered,
  kNotificationFailed,
  kAction,  // something done to the system (runbook step, rollback, ...)
};

// The actor for entries firewatch itself writes.
inline constexpr std::string_view kSystemActor = "firewatch";

// An alert linked to an incident, identified by its fingerprint.
struct LinkedAlert {
  std::string fingerprint;
  LabelSet labels;
  bool firing = true;
  Timestamp first_seen = 0;
  Timestamp last_seen = 0;
};

struct Incident {
  std::string id;  // "INC-42"; assigned by the store
  std::string title;
  std::vector<std::string> services;  // sorted, unique
  Severity severity = Severity::kP3;
  State state = State::kTriggered;
  std::string group_key;  // the dedup key: one open incident per key
  Timestamp created_at = 0;
  // Times of the current cycle; a reopen clears them (the timeline keeps all).
  std::optional<Timestamp> acknowledged_at, mitigated_at, resolved_at, closed_at;
  std::map<Role, std::string> roles;  // role -> person
  std::vector<LinkedAlert> alerts;    // sorted by fingerprint
  int64_t version = 0;                // bumped by the store on every write

  bool IsOpen() const { return state < State::kResolved; }
};

struct TimelineEntry {
  int64_t seq = 0;  // assigned by the store; increasing across the whole store
  std::string incident_id;
  Timestamp time = 0;
  std::string actor;   // a person, or kSystemActor
  std::string source;  // rule, router, api, cli, runbook, rca, notify, ...
  EntryKind kind = EntryKind::kNote;
  std::string text;
  std::string details = "{}";  // a JSON object
};

std::string_view SeverityName(Severity s);    // "P1"
std::string_view StateName(State s);          // "acknowledged"
std::string_view RoleName(Role r);            // "communications"
std::string_view EntryKindName(EntryKind k);  // "alert_firing"

// Parsers accept exactly the names above (severity also "p1" and "1"); the
// error lists the accepted values.
Result<Severity> ParseSeverity(std::string_view text);
Result<State> ParseState(std::string_view text);
Result<Role> ParseRole(std::string_view text);
Result<EntryKind> ParseEntryKind(std::string_view text);

// "INC-42" <-> 42. ParseIncidentId rejects anything else.
std::string FormatIncidentId(int64_t number);
Result<int64_t> ParseIncidentId(std::string_view id);

// Whether `incident` may move to `to`. The error names the incident, the
// current state and what is allowed from it.
Result<void> ValidateTransition(const Incident& incident, State to);

// Moves `incident` to `to` at time `now`, setting or clearing the per-state
// times. REQUIRES: ValidateTransition(incident, to) succeeded.
void ApplyTransition(Incident& incident, State to, Timestamp now);

}  // namespace fw::incident
