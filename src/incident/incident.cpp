#include "incident/incident.h"

#include <algorithm>
#include <charconv>

namespace fw::incident {
namespace {

constexpr std::array<std::string_view, 5> kStateNames = {"triggered", "acknowledged", "mitigated",
                                                         "resolved", "closed"};
constexpr std::array<std::string_view, 3> kRoleNames = {"commander", "scribe", "communications"};
constexpr std::array<std::string_view, 11> kKindNames = {"alert_firing",
                                                         "alert_resolved",
                                                         "state_change",
                                                         "severity_change",
                                                         "role_change",
                                                         "note",
                                                         "status_update",
                                                         "notification_sent",
                                                         "notification_delivered",
                                                         "notification_failed",
                                                         "action"};

template <typename Enum, size_t N>
Result<Enum> ParseName(std::string_view text, const std::array<std::string_view, N>& names,
                       std::string_view what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  std::string accepted;
  for (std::string_view n : names) accepted += (accepted.empty() ? "" : ", ") + std::string(n);
  return Fail(ErrorCode::kInvalidArgument, "unknown " + std::string(what) + " \"" +
                                               std::string(text) + "\"; expected one of " +
                                               accepted);
}

// Allowed moves, indexed [from][to].
constexpr bool kAllowed[5][5] = {
    // to: triggered acknowledged mitigated resolved closed
    {false, true, true, true, false},    // from triggered
    {false, false, true, true, false},   // from acknowledged
    {false, false, false, true, false},  // from mitigated
    {true, false, false, false, true},   // from resolved (reopen, close)
    {true, false, false, false, false},  // from closed (reopen)
};

}  // namespace

std::string_view SeverityName(Severity s) {
  static constexpr std::array<std::string_view, 4> kNames = {"P1", "P2", "P3", "P4"};
  return kNames[static_cast<int>(s) - 1];
}
std::string_view StateName(State s) { return kStateNames[static_cast<size_t>(s)]; }
std::string_view RoleName(Role r) { return kRoleNames[static_cast<size_t>(r)]; }
std::string_view EntryKindName(EntryKind k) { return kKindNames[static_cast<size_t>(k)]; }

Result<Severity> ParseSeverity(std::string_view text) {
  if (text.size() == 2 && (text[0] == 'P' || text[0] == 'p')) text.remove_prefix(1);
  if (text.size() == 1 && text[0] >= '1' && text[0] <= '4') {
    return static_cast<Severity>(text[0] - '0');
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown severity \"" + std::string(text) + "\"; expected P1, P2, P3 or P4");
}
Result<State> ParseState(std::string_view text) {
  return ParseName<State>(text, kStateNames, "state");
}
Result<Role> ParseRole(std::string_view text) { return ParseName<Role>(text, kRoleNames, "role"); }
Result<EntryKind> ParseEntryKind(std::string_view text) {
  return ParseName<EntryKind>(text, kKindNames, "timeline entry kind");
}

std::string FormatIncidentId(int64_t number) { return "INC-" + std::to_string(number); }

Result<int64_t> ParseIncidentId(std::string_view id) {
  int64_t n = 0;
  if (id.starts_with("INC-") || id.starts_with("inc-")) {
    const std::string_view digits = id.substr(4);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && p == digits.data() + digits.size() && n > 0) return n;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "bad incident id \"" + std::string(id) + "\"; expected INC-<number>, e.g. INC-42");
}

Result<void> ValidateTransition(const Incident& incident, State to) {
  const State from = incident.state;
  if (kAllowed[static_cast<int>(from)][static_cast<int>(to)]) return {};
  std::string allowed;
  for (int t = 0; t < 5; ++t) {
    if (!kAllowed[static_cast<int>(from)][t]) continue;
    allowed += (allowed.empty() ? "" : ", ") + std::string(kStateNames[t]);
  }
  std::string msg = "cannot move " + incident.id + " to " + std::string(StateName(to)) +
                    ": it is " + std::string(StateName(from));
  if (from == to) msg = incident.id + " is already " + std::string(StateName(to));
  return Fail(ErrorCode::kInvalidArgument,
              msg + " (from " + std::string(StateName(from)) + " it can go to: " + allowed + ")");
}

void ApplyTransition(Incident& incident, State to, Timestamp now) {
  switch (to) {
    case State::kTriggered:  // a reopen starts a new cycle
      incident.acknowledged_at.reset();
      incident.mitigated_at.reset();
      incident.resolved_at.reset();
      incident.closed_at.reset();
      break;
    case State::kAcknowledged:
      incident.acknowledged_at = now;
      break;
    case State::kMitigated:
      incident.mitigated_at = now;
      break;
    case State::kResolved:
      incident.resolved_at = now;
      break;
    case State::kClosed:
      incident.closed_at = now;
      break;
  }
  incident.state = to;
}

}  // namespace fw::incident
