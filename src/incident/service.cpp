// IncidentService: the lifecycle operations. Alert intake is in
// service_alerts.cpp.

#include "incident/service.h"

#include <nlohmann/json.hpp>

namespace fw::incident {
namespace {

using nlohmann::json;

Result<void> RequireText(const std::string& text, std::string_view what) {
  if (text.find_first_not_of(" \t\r\n") != std::string::npos) return {};
  return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must not be empty");
}

}  // namespace

IncidentService::IncidentService(IncidentStore& store, Clock& clock, IncidentPolicy policy,
                                 Logger* log)
    : store_(store), clock_(clock), policy_(std::move(policy)), log_(log) {}

TimelineEntry IncidentService::Entry(const Who& who, EntryKind kind, std::string text,
                                     std::string details) const {
  TimelineEntry e;
  e.time = clock_.Now();
  e.actor = who.actor.empty() ? std::string(kSystemActor) : who.actor;
  e.source = who.source;
  e.kind = kind;
  e.text = std::move(text);
  e.details = std::move(details);
  return e;
}

void IncidentService::LogEvent(std::string_view message, const Incident& i) const {
  if (log_ == nullptr) return;
  log_->Info(message, {{"incident", i.id},
                       {"state", std::string(StateName(i.state))},
                       {"severity", std::string(SeverityName(i.severity))},
                       {"group_key", i.group_key}});
}

Result<Incident> IncidentService::Mutate(const std::string& id, const Mutation& change) {
  std::lock_guard lock(mu_);
  auto incident = store_.Get(id);
  if (!incident) return Fail(incident.error());
  std::vector<TimelineEntry> entries;
  if (auto r = change(*incident, entries); !r) return Fail(r.error());
  return store_.Update(*incident, entries);
}

Result<Incident> IncidentService::Transition(const std::string& id, State to, const Who& who,
                                             const std::string& reason) {
  auto result = Mutate(id, [&](Incident& i, std::vector<TimelineEntry>& entries) -> Result<void> {
    if (auto ok = ValidateTransition(i, to); !ok) return ok;
    json details = {{"from", StateName(i.state)}, {"to", StateName(to)}};
    std::string text = std::string(StateName(i.state)) + " -> " + std::string(StateName(to));
    if (!reason.empty()) {
      details["reason"] = reason;
      text += ": " + reason;
    }
    ApplyTransition(i, to, clock_.Now());
    entries.push_back(
        Entry(who, EntryKind::kStateChange, text,
              details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return {};
  });
  if (result) LogEvent("incident state changed", *result);
  return result;
}

Result<Incident> IncidentService::Declare(const NewIncident& n, const Who& who) {
  if (auto ok = RequireText(n.title, "incident title"); !ok) return Fail(ok.error());
  Incident i;
  i.title = n.title;
  i.services = n.services;
  i.severity = n.severity;
  i.group_key = n.group_key;
  i.created_at = clock_.Now();
  std::ranges::sort(i.services);
  i.services.erase(std::unique(i.services.begin(), i.services.end()), i.services.end());
  // A declared incident without a key gets a unique one, so no alert joins it
  // by accident.
  if (i.group_key.empty()) i.group_key = "declared:" + std::to_string(i.created_at) + ":" + n.title;
  std::lock_guard lock(mu_);
  auto stored =
      store_.Create(i, {Entry(who, EntryKind::kStateChange, "declared: " + n.title,
                              json{{"from", nullptr}, {"to", "triggered"}}.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace))});
  if (stored) LogEvent("incident declared", *stored);
  return stored;
}

Result<Incident> IncidentService::Acknowledge(const std::string& id, const Who& who) {
  return Transition(id, State::kAcknowledged, who);
}
Result<Incident> IncidentService::Mitigate(const std::string& id, const Who& who) {
  return Transition(id, State::kMitigated, who);
}
Result<Incident> IncidentService::Resolve(const std::string& id, const Who& who) {
  return Transition(id, State::kResolved, who);
}
Result<Incident> IncidentService::Close(const std::string& id, const Who& who) {
  return Transition(id, State::kClosed, who);
}
Result<Incident> IncidentService::Reopen(const std::string& id, const std::string& reason,
                                         const Who& who) {
  return Transition(id, State::kTriggered, who, reason.empty() ? "reopened" : reason);
}

Result<Incident> IncidentService::SetSeverity(const std::string& id, Severity severity,
                                              const std::string& reason, const Who& who) {
  if (auto ok = RequireText(reason, "a severity change needs a reason; it"); !ok) {
    return Fail(ok.error());
  }
  return Mutate(id, [&](Incident& i, std::vector<TimelineEntry>& entries) -> Result<void> {
    if (i.severity == severity) {
      return Fail(ErrorCode::kInvalidArgument,
                  i.id + " is already " + std::string(SeverityName(severity)));
    }
    ChangeSeverity(i, severity, reason, who, entries);
    return {};
  });
}

Result<Incident> IncidentService::AssignRole(const std::string& id, Role role,
                                             const std::string& person, const Who& who) {
  return Mutate(id, [&](Incident& i, std::vector<TimelineEntry>& entries) -> Result<void> {
    const std::string name(RoleName(role));
    auto it = i.roles.find(role);
    const std::string before = it == i.roles.end() ? "" : it->second;
    if (before == person) {
      return Fail(ErrorCode::kInvalidArgument,
                  person.empty() ? name + " of " + i.id + " is not assigned"
                                 : person + " is already " + name + " of " + i.id);
    }
    if (person.empty()) {
      i.roles.erase(role);
    } else {
      i.roles[role] = person;
    }
    json details = {{"role", name}, {"from", before}, {"to", person}};
    entries.push_back(Entry(
        who, EntryKind::kRoleChange, person.empty() ? name + " unassigned" : name + ": " + person,
        details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return {};
  });
}

Result<Incident> IncidentService::AddNote(const std::string& id, const std::string& text,
                                          const Who& who, const std::string& details) {
  if (auto ok = RequireText(text, "a note"); !ok) return Fail(ok.error());
  return Mutate(id, [&](Incident&, std::vector<TimelineEntry>& entries) -> Result<void> {
    entries.push_back(Entry(who, EntryKind::kNote, text, details));
    return {};
  });
}

Result<Incident> IncidentService::PostStatusUpdate(const std::string& id, const std::string& text,
                                                   const Who& who) {
  if (auto ok = RequireText(text, "a status update"); !ok) return Fail(ok.error());
  return Mutate(id, [&](Incident& i, std::vector<TimelineEntry>& entries) -> Result<void> {
    json details = {{"state", StateName(i.state)}, {"severity", SeverityName(i.severity)}};
    entries.push_back(
        Entry(who, EntryKind::kStatusUpdate, text,
              details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return {};
  });
}

Result<Incident> IncidentService::RecordNotification(const std::string& id,
                                                     NotificationStatus status,
                                                     const std::string& receiver,
                                                     const std::string& text) {
  static constexpr EntryKind kKinds[] = {EntryKind::kNotificationSent,
                                         EntryKind::kNotificationDelivered,
                                         EntryKind::kNotificationFailed};
  return Mutate(id, [&](Incident&, std::vector<TimelineEntry>& entries) -> Result<void> {
    entries.push_back(Entry({std::string(kSystemActor), "notify"}, kKinds[static_cast<int>(status)],
                            text,
                            json{{"receiver", receiver}}.dump(
                                -1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return {};
  });
}

Result<Incident> IncidentService::RecordAction(const std::string& id, const std::string& text,
                                               const std::string& details, const Who& who) {
  if (auto ok = RequireText(text, "an action"); !ok) return Fail(ok.error());
  const json d = json::parse(details.empty() ? "{}" : details, nullptr, false);
  if (!d.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "action details must be a JSON object");
  }
  return Mutate(id, [&](Incident&, std::vector<TimelineEntry>& entries) -> Result<void> {
    entries.push_back(Entry(who, EntryKind::kAction, text,
                            d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return {};
  });
}

namespace {

json ActionItemJson(const ActionItem& a) {
  return {{"id", a.id}, {"text", a.text}, {"owner", a.owner}, {"done", a.done}};
}

}  // namespace

Result<std::vector<ActionItem>> IncidentService::AddActionItems(
    const std::string& id, const std::vector<ActionItem>& items, const Who& who) {
  if (items.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no action items given");
  }
  std::vector<ActionItem> fresh = items;
  for (ActionItem& a : fresh) {
    if (auto ok = RequireText(a.text, "an action item's text"); !ok) return Fail(ok.error());
    a.created_at = clock_.Now();
    a.done_at = a.done ? std::optional<Timestamp>(a.created_at) : std::nullopt;
  }
  std::lock_guard lock(mu_);
  return store_.AddActionItems(id, fresh, [&](const ActionItem& a) {
    return Entry(who, EntryKind::kNote, "action item " + a.id + " added: " + a.text,
                 json{{"action_item", ActionItemJson(a)}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

Result<ActionItem> IncidentService::SetActionItemDone(const std::string& id,
                                                      const std::string& item_id, bool done,
                                                      const Who& who) {
  std::lock_guard lock(mu_);
  return store_.SetActionItemDone(id, item_id, done, clock_.Now(), [&](const ActionItem& a) {
    return Entry(who, EntryKind::kNote,
                 "action item " + a.id + (done ? " done: " : " reopened: ") + a.text,
                 json{{"action_item", ActionItemJson(a)}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

}  // namespace fw::incident
