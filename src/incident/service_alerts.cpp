// IncidentService: alerts opening, joining, reopening and resolving incidents.

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "incident/service.h"

namespace fw::incident {
namespace {

using nlohmann::json;

json AlertDetails(const AlertEvent& a, const std::string& fingerprint) {
  json labels = json::object();
  for (const Label& l : a.labels.labels()) labels[l.name] = l.value;
  return {{"fingerprint", fingerprint}, {"labels", labels}};
}

std::string AlertName(const AlertEvent& a) {
  const std::string_view name = a.labels.Get("alertname");
  return name.empty() ? a.labels.ToString() : std::string(name);
}

// Adds the alert's service (label `service`) to the incident's sorted list.
void AddService(Incident& i, const AlertEvent& a) {
  const std::string service(a.labels.Get("service"));
  if (service.empty()) return;
  auto it = std::ranges::lower_bound(i.services, service);
  if (it == i.services.end() || *it != service) i.services.insert(it, service);
}

// Links the alert or updates its link. Returns whether it was news: not
// linked before, or linked but not firing.
bool Link(Incident& i, const AlertEvent& a, const std::string& fingerprint, Timestamp now) {
  auto it = std::ranges::find(i.alerts, fingerprint, &LinkedAlert::fingerprint);
  if (it == i.alerts.end()) {
    i.alerts.push_back({fingerprint, a.labels, a.firing, now, now});
    return true;
  }
  const bool news = it->firing != a.firing;
  it->firing = a.firing;
  it->labels = a.labels;
  it->last_seen = now;
  return news;
}

bool LinksAlert(const Incident& inc, const std::string& fp) {
  return std::any_of(inc.alerts.begin(), inc.alerts.end(),
                     [&](const LinkedAlert& a) { return a.fingerprint == fp; });
}

}  // namespace

std::string IncidentService::GroupKeyOf(const AlertEvent& alert) const {
  if (!alert.group_key.empty()) return alert.group_key;
  LabelSet key;
  for (const std::string& name : policy_.group_by) key.Set(name, alert.labels.Get(name));
  return key.ToString();
}

std::string IncidentService::FingerprintOf(const AlertEvent& alert) const {
  if (!alert.fingerprint.empty()) return alert.fingerprint;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(alert.labels.Hash()));
  return buf;
}

Result<Incident> IncidentService::OpenOrUpdateFromAlert(const AlertEvent& alert) {
  if (alert.labels.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an alert needs at least one label");
  }
  std::lock_guard lock(mu_);
  return OpenOrUpdateLocked(alert);
}

Result<Incident> IncidentService::OpenOrUpdateLocked(const AlertEvent& alert) {
  if (alert.labels.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an alert needs at least one label");
  }
  const std::string key = GroupKeyOf(alert);
  if (!alert.firing) return ResolveAlert(alert, key);
  auto open = store_.FindOpen(key);
  if (!open) return Fail(open.error());
  if (*open) return UpdateOpen(std::move(**open), alert);
  auto related = FindCorrelated(alert);
  if (!related) return Fail(related.error());
  if (*related) return UpdateOpen(std::move(**related), alert);
  const Timestamp since = clock_.Now() - policy_.reopen_window.count();
  auto recent = store_.FindResolvedSince(key, since);
  if (!recent) return Fail(recent.error());
  if (*recent) return ReopenFromAlert(std::move(**recent), alert);
  return CreateFromAlert(alert, key);
}

Result<Incident> IncidentService::UpdateOpen(Incident incident, const AlertEvent& alert) {
  const std::string fp = FingerprintOf(alert);
  if (!Link(incident, alert, fp, clock_.Now())) return incident;  // a repeat: nothing new
  AddService(incident, alert);
  const Who system{std::string(kSystemActor), alert.source};
  std::vector<TimelineEntry> entries = {Entry(
      system, EntryKind::kAlertFiring, AlertName(alert) + " firing",
      AlertDetails(alert, fp).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))};
  // A worse alert, or more services hit, raises the incident's severity;
  // lowering stays a human call.
  const Severity wanted = policy_.severity.For(alert.labels);
  Raise(incident, wanted,
        "alert " + AlertName(alert) + " maps to " + std::string(SeverityName(wanted)), system,
        entries);
  if (auto spread = policy_.severity.ForServices(incident.services.size())) {
    Raise(incident, *spread,
          "the incident spans " + std::to_string(incident.services.size()) + " services", system,
          entries);
  }
  return store_.Update(incident, entries);
}

void IncidentService::ChangeSeverity(Incident& incident, Severity to, const std::string& reason,
                                     const Who& who, std::vector<TimelineEntry>& entries) const {
  json details = {
      {"from", SeverityName(incident.severity)}, {"to", SeverityName(to)}, {"reason", reason}};
  entries.push_back(Entry(who, EntryKind::kSeverityChange,
                          std::string(SeverityName(incident.severity)) + " -> " +
                              std::string(SeverityName(to)) + ": " + reason,
                          details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  incident.severity = to;
}

void IncidentService::Raise(Incident& incident, Severity wanted, const std::string& reason,
                            const Who& who, std::vector<TimelineEntry>& entries) const {
  if (wanted < incident.severity) ChangeSeverity(incident, wanted, reason, who, entries);
}

Result<Incident> IncidentService::ReopenFromAlert(Incident incident, const AlertEvent& alert) {
  const std::string fp = FingerprintOf(alert);
  const Who system{std::string(kSystemActor), alert.source};
  const std::string reason = AlertName(alert) + " fired again within the reopen window";
  json details = {{"from", StateName(incident.state)}, {"to", "triggered"}, {"reason", reason}};
  std::vector<TimelineEntry> entries = {
      Entry(system, EntryKind::kStateChange,
            std::string(StateName(incident.state)) + " -> triggered: " + reason,
            details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
      Entry(
          system, EntryKind::kAlertFiring, AlertName(alert) + " firing",
          AlertDetails(alert, fp).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))};
  ApplyTransition(incident, State::kTriggered, clock_.Now());
  Link(incident, alert, fp, clock_.Now());
  AddService(incident, alert);
  auto stored = store_.Update(incident, entries);
  if (stored) LogEvent("incident reopened", *stored);
  return stored;
}

Result<Incident> IncidentService::CreateFromAlert(const AlertEvent& alert, const std::string& key) {
  const std::string fp = FingerprintOf(alert);
  Incident incident;
  incident.severity = policy_.severity.For(alert.labels);
  if (auto spread = policy_.severity.ForServices(alert.labels.Get("service").empty() ? 0 : 1)) {
    incident.severity = std::min(incident.severity, *spread);
  }
  incident.group_key = key;
  incident.created_at = clock_.Now();
  incident.title = std::string(alert.annotations.Get("summary"));
  if (incident.title.empty()) {
    const std::string_view service = alert.labels.Get("service");
    incident.title = AlertName(alert) + (service.empty() ? "" : " on " + std::string(service));
  }
  Link(incident, alert, fp, clock_.Now());
  AddService(incident, alert);
  const Who system{std::string(kSystemActor), alert.source};
  std::vector<TimelineEntry> entries = {
      Entry(system, EntryKind::kStateChange, "opened by " + AlertName(alert),
            json{{"from", nullptr}, {"to", "triggered"}, {"group_key", key}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace)),
      Entry(
          system, EntryKind::kAlertFiring, AlertName(alert) + " firing",
          AlertDetails(alert, fp).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))};
  auto stored = store_.Create(incident, entries);
  if (stored) LogEvent("incident opened", *stored);
  return stored;
}

// An open incident opened less than `correlate_window` ago: an alert that
// fires then is most likely the same outage seen from another side (the
// database's connections, the pool, the error rate), as time-based alert
// grouping in PagerDuty has it. The newest such incident wins; an incident
// of other services is joined only when the alert names no service.
Result<std::optional<Incident>> IncidentService::FindCorrelated(const AlertEvent& alert) const {
  if (policy_.correlate_window.count() <= 0) return std::optional<Incident>();
  IncidentFilter filter;
  filter.open_only = true;
  auto open = store_.List(filter);
  if (!open) return Fail(open.error());
  const Timestamp since = clock_.Now() - policy_.correlate_window.count();
  const std::string service(alert.labels.Get("service"));
  std::optional<Incident> best;
  for (Incident& inc : *open) {
    if (inc.created_at < since) continue;
    const bool same_service =
        service.empty() || inc.services.empty() ||
        std::find(inc.services.begin(), inc.services.end(), service) != inc.services.end();
    if (!same_service) continue;
    if (!best || inc.created_at > best->created_at) best = std::move(inc);
  }
  return best;
}

// The open incident that links this alert's fingerprint (it may have joined
// one of another group key by correlation).
Result<std::optional<Incident>> IncidentService::FindLinking(const std::string& fp) const {
  IncidentFilter filter;
  filter.open_only = true;
  auto open = store_.List(filter);
  if (!open) return Fail(open.error());
  for (Incident& inc : *open) {
    for (const LinkedAlert& a : inc.alerts) {
      if (a.fingerprint == fp) return std::optional<Incident>(std::move(inc));
    }
  }
  return std::optional<Incident>();
}

Result<Incident> IncidentService::ResolveAlert(const AlertEvent& alert, const std::string& key) {
  auto open = store_.FindOpen(key);
  if (!open) return Fail(open.error());
  if (!*open || !LinksAlert(**open, FingerprintOf(alert))) {
    auto linking = FindLinking(FingerprintOf(alert));
    if (!linking) return Fail(linking.error());
    if (*linking) open = std::move(linking);
  }
  if (!*open) {
    return Fail(ErrorCode::kNotFound, "no open incident for the resolved alert " +
                                          AlertName(alert) + " (group key " + key + ")");
  }
  Incident incident = std::move(**open);
  const std::string fp = FingerprintOf(alert);
  if (!Link(incident, alert, fp, clock_.Now())) return incident;  // already resolved
  const Who system{std::string(kSystemActor), alert.source};
  return store_.Update(
      incident, {Entry(system, EntryKind::kAlertResolved, AlertName(alert) + " resolved",
                       AlertDetails(alert, fp).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace))});
}

// One incident taking a run of alerts in memory, stored once (see
// OpenOrUpdateFromAlerts): the same links, services, severity raises and
// timeline entries as UpdateOpen / ResolveAlert alert by alert.
struct IncidentService::Run {
  Incident incident;
  std::unordered_map<std::string, size_t> at;  // fingerprint -> index in incident.alerts
  std::vector<TimelineEntry> entries;
  std::vector<size_t> waiting;  // alerts answered when the run is stored
  std::vector<size_t> changed;  // indices in incident.alerts not stored yet
  std::unordered_set<size_t> changed_set;

  explicit Run(Incident i) : incident(std::move(i)) {
    for (size_t k = 0; k < incident.alerts.size(); ++k) at[incident.alerts[k].fingerprint] = k;
  }
  bool Links(const std::string& fp) const { return at.contains(fp); }
};

void IncidentService::ApplyToRun(Run& run, const AlertEvent& alert, const std::string& fp) {
  const Timestamp now = clock_.Now();
  Incident& incident = run.incident;
  bool news = true;
  size_t index;
  if (auto it = run.at.find(fp); it != run.at.end()) {
    index = it->second;
    LinkedAlert& linked = incident.alerts[index];
    news = linked.firing != alert.firing;
    linked.firing = alert.firing;
    linked.labels = alert.labels;
    linked.last_seen = now;
  } else {
    index = incident.alerts.size();
    run.at[fp] = index;
    incident.alerts.push_back({fp, alert.labels, alert.firing, now, now});
  }
  if (run.changed_set.insert(index).second) run.changed.push_back(index);
  if (!news) return;  // a repeat: nothing new
  const Who system{std::string(kSystemActor), alert.source};
  const std::string details =
      AlertDetails(alert, fp).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!alert.firing) {
    run.entries.push_back(
        Entry(system, EntryKind::kAlertResolved, AlertName(alert) + " resolved", details));
    return;
  }
  AddService(incident, alert);
  run.entries.push_back(
      Entry(system, EntryKind::kAlertFiring, AlertName(alert) + " firing", details));
  const Severity wanted = policy_.severity.For(alert.labels);
  Raise(incident, wanted,
        "alert " + AlertName(alert) + " maps to " + std::string(SeverityName(wanted)), system,
        run.entries);
  if (auto spread = policy_.severity.ForServices(incident.services.size())) {
    Raise(incident, *spread,
          "the incident spans " + std::to_string(incident.services.size()) + " services", system,
          run.entries);
  }
}

std::vector<Result<std::string>> IncidentService::OpenOrUpdateFromAlerts(
    const std::vector<AlertEvent>& alerts, std::vector<Incident>* touched) {
  std::vector<Result<std::string>> out(alerts.size());
  std::unordered_map<std::string, size_t> touched_at;  // incident id -> index in *touched
  auto touch = [&](const Incident& inc) {
    if (!touched) return;
    auto [it, added] = touched_at.emplace(inc.id, touched->size());
    if (added) {
      touched->push_back(inc);
    } else {
      (*touched)[it->second] = inc;
    }
  };
  std::optional<Run> run;  // kept across chunks; its version guards against other writers
  std::string run_key;
  // Stores what the run holds (the alerts it changed, its new entries).
  // REQUIRES: mu_ held. On a conflict (another writer changed the incident
  // between chunks) the run's alerts go the alert-by-alert way instead.
  auto store = [&](bool keep) {
    if (!run) return;
    Result<void> r;
    if (!run->changed.empty() || !run->entries.empty()) {
      auto version = store_.UpdateSome(run->incident, run->entries, run->changed);
      if (version) {
        run->incident.version = *version;
        if (!run->entries.empty()) touch(run->incident);
      } else {
        r = Fail(version.error());
      }
    }
    if (!r && r.error().code() == ErrorCode::kInvalidArgument) {
      // Changed by another writer between chunks (a note, a delivery): read
      // it again, apply the run's alerts to it, store once more.
      if (auto fresh = store_.Get(run->incident.id)) {
        std::vector<size_t> waiting = std::move(run->waiting);
        run.emplace(std::move(*fresh));
        for (size_t k : waiting) ApplyToRun(*run, alerts[k], FingerprintOf(alerts[k]));
        run->waiting = std::move(waiting);
        auto version = store_.UpdateSome(run->incident, run->entries, run->changed);
        r = version ? Result<void>() : Result<void>(Fail(version.error()));
        if (version) {
          run->incident.version = *version;
          touch(run->incident);
        }
      }
    }
    for (size_t k : run->waiting)
      out[k] = r ? Result<std::string>(run->incident.id) : Fail(r.error());
    run->waiting.clear();
    run->entries.clear();
    run->changed.clear();
    run->changed_set.clear();
    if (!keep || !r) run.reset();
  };
  // Chunks: the lock is let go between them, so that another notification
  // (a page) waits for one chunk of a storm at most, not for all of it.
  constexpr size_t kChunk = 200;
  for (size_t i = 0; i < alerts.size();) {
    std::lock_guard lock(mu_);
    for (const size_t end = std::min(alerts.size(), i + kChunk); i < end; ++i) {
      const AlertEvent& a = alerts[i];
      if (a.labels.empty()) {
        out[i] = Fail(ErrorCode::kInvalidArgument, "an alert needs at least one label");
        continue;
      }
      const std::string key = GroupKeyOf(a);
      const std::string fp = FingerprintOf(a);
      if (run && run_key == key && (a.firing || run->Links(fp))) {
        ApplyToRun(*run, a, fp);
        run->waiting.push_back(i);
        continue;
      }
      store(false);
      auto r = OpenOrUpdateLocked(a);
      if (!r) {
        out[i] = Fail(r.error());
        continue;
      }
      out[i] = r->id;
      touch(*r);
      // Later alerts of this key go to the same incident while it is the
      // open one of the key (FindOpen would return it).
      if (r->IsOpen() && r->group_key == key) {
        run.emplace(std::move(*r));
        run_key = key;
      }
    }
    store(true);
  }
  return out;
}

}  // namespace fw::incident
