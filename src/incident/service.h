#pragma once
// IncidentService: the incident lifecycle API the rest of firewatch calls
// (router, intake, HTTP API, CLI, runbooks, notifier). It validates every
// change, writes the matching timeline entries, and commits both in one
// store transaction, so a call that returned success is durable.
//
// Alerts open incidents: alerts with the same group key share one open
// incident (dedup); an alert whose key matches an incident resolved less
// than `reopen_window` ago reopens it instead of opening a new one.
// Thread-safe; time comes only from the Clock.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "incident/metrics.h"
#include "incident/severity_policy.h"
#include "incident/store.h"

namespace fw::incident {

struct IncidentPolicy {
  SeverityPolicy severity = SeverityPolicy::Default();
  // Labels forming the group key when an alert does not bring one.
  std::vector<std::string> group_by = {"alertname", "service"};
  std::chrono::milliseconds reopen_window = std::chrono::hours(1);
  // An alert without an open incident of its own key joins an incident
  // opened less than this ago (same service, or the alert names none):
  // one outage, one incident. 0 = off.
  std::chrono::milliseconds correlate_window{0};
};

// An alert as the router or intake hands it over.
struct AlertEvent {
  std::string fingerprint;  // "" = derived from the labels
  LabelSet labels;
  LabelSet annotations;  // summary becomes the title of a new incident
  bool firing = true;
  std::string group_key;  // "" = derived from IncidentPolicy::group_by
  std::string source = "router";
};

// Who did something and through which door (api, cli, runbook, ...).
struct Who {
  std::string actor;
  std::string source = "api";
};

// A manually declared incident.
struct NewIncident {
  std::string title;
  std::vector<std::string> services;
  Severity severity = Severity::kP3;
  std::string group_key;  // "" = a key of its own, never deduplicated
};

enum class NotificationStatus { kSent, kDelivered, kFailed };

class IncidentService {
 public:
  // REQUIRES: store, clock and log (if not null) outlive the service.
  IncidentService(IncidentStore& store, Clock& clock, IncidentPolicy policy = {},
                  Logger* log = nullptr);

  // Firing: links the alert to the open incident of its key, reopens a
  // recently resolved one, or opens a new one. An alert already linked and
  // firing changes nothing (idempotent intake). Resolved: marks the alert
  // resolved on its open incident (kNotFound if there is none); resolving
  // the incident stays a human decision.
  Result<Incident> OpenOrUpdateFromAlert(const AlertEvent& alert);
  // A notification's alerts at once: the same outcome as
  // OpenOrUpdateFromAlert for each in turn, but a run of alerts going to one
  // incident is applied in memory and stored in chunks of 200 (the lock is
  // let go between chunks) writing only the alerts that changed, so a storm
  // of n alerts costs O(n) store work, not O(n^2). Returns, per
  // alert, the id of its incident or the error; `touched` (optional) gets
  // each incident changed, in its latest state.
  std::vector<Result<std::string>> OpenOrUpdateFromAlerts(const std::vector<AlertEvent>& alerts,
                                                          std::vector<Incident>* touched);
  Result<Incident> Declare(const NewIncident& incident, const Who& who);

  Result<Incident> Acknowledge(const std::string& id, const Who& who);
  Result<Incident> Mitigate(const std::string& id, const Who& who);
  Result<Incident> Resolve(const std::string& id, const Who& who);
  Result<Incident> Close(const std::string& id, const Who& who);
  Result<Incident> Reopen(const std::string& id, const std::string& reason, const Who& who);
  // REQUIRES (checked): a non-empty reason and a different severity.
  Result<Incident> SetSeverity(const std::string& id, Severity severity, const std::string& reason,
                               const Who& who);
  // An empty person clears the role.
  Result<Incident> AssignRole(const std::string& id, Role role, const std::string& person,
                              const Who& who);
  // details: a JSON object (e.g. the root-cause analysis behind the note).
  Result<Incident> AddNote(const std::string& id, const std::string& text, const Who& who,
                           const std::string& details = "{}");
  Result<Incident> PostStatusUpdate(const std::string& id, const std::string& text, const Who& who);
  Result<Incident> RecordNotification(const std::string& id, NotificationStatus status,
                                      const std::string& receiver, const std::string& text);
  // details: a JSON object (e.g. the runbook step and its result).
  Result<Incident> RecordAction(const std::string& id, const std::string& text,
                                const std::string& details, const Who& who);

  // Action items from the post-incident review. Each change also writes a
  // timeline note (details {"action_item": {id, text, owner, done}}) in the
  // same transaction. Adding needs a non-empty text per item.
  Result<std::vector<ActionItem>> AddActionItems(const std::string& id,
                                                 const std::vector<ActionItem>& items,
                                                 const Who& who);
  Result<ActionItem> SetActionItemDone(const std::string& id, const std::string& item_id, bool done,
                                       const Who& who);
  Result<std::vector<ActionItem>> ActionItems(const std::string& id) const {
    return store_.ActionItems(id);
  }

  Result<Incident> Get(const std::string& id) const { return store_.Get(id); }
  Result<std::vector<TimelineEntry>> Timeline(const std::string& id) const {
    return store_.Timeline(id);
  }
  Result<std::vector<Incident>> List(const IncidentFilter& f) const { return store_.List(f); }
  Result<IncidentMetrics> Metrics(Timestamp from, Timestamp to) const {
    return ComputeMetrics(store_, from, to);
  }

  std::string GroupKeyOf(const AlertEvent& alert) const;

 private:
  using Mutation = std::function<Result<void>(Incident&, std::vector<TimelineEntry>&)>;
  // Reads the incident, applies `change`, stores it with the new entries.
  Result<Incident> Mutate(const std::string& id, const Mutation& change);
  Result<Incident> Transition(const std::string& id, State to, const Who& who,
                              const std::string& reason = "");
  TimelineEntry Entry(const Who& who, EntryKind kind, std::string text,
                      std::string details = "{}") const;
  Result<Incident> UpdateOpen(Incident incident, const AlertEvent& alert);
  Result<Incident> OpenOrUpdateLocked(const AlertEvent& alert);  // REQUIRES: mu_ held
  struct Run;
  void ApplyToRun(Run& run, const AlertEvent& alert, const std::string& fp);
  // Sets the severity, with its timeline entry.
  void ChangeSeverity(Incident& incident, Severity to, const std::string& reason, const Who& who,
                      std::vector<TimelineEntry>& entries) const;
  // Raises the severity to `wanted` when worse, with a timeline entry.
  void Raise(Incident& incident, Severity wanted, const std::string& reason, const Who& who,
             std::vector<TimelineEntry>& entries) const;
  Result<Incident> ReopenFromAlert(Incident incident, const AlertEvent& alert);
  Result<Incident> CreateFromAlert(const AlertEvent& alert, const std::string& key);
  Result<Incident> ResolveAlert(const AlertEvent& alert, const std::string& key);
  Result<std::optional<Incident>> FindCorrelated(const AlertEvent& alert) const;
  Result<std::optional<Incident>> FindLinking(const std::string& fingerprint) const;
  std::string FingerprintOf(const AlertEvent& alert) const;
  void LogEvent(std::string_view message, const Incident& incident) const;

  IncidentStore& store_;
  Clock& clock_;
  IncidentPolicy policy_;
  Logger* log_;
  std::mutex mu_;  // serializes read-modify-write cycles
};

}  // namespace fw::incident
