// The pipeline's alerting side: rules over the store, the router and the
// durable outbox, incidents opened from notified alerts, escalation pages.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {
namespace {

incident::AlertEvent EventOf(const alerting::RoutedAlert& a, Timestamp now) {
  std::vector<Label> annotations;
  for (const auto& [k, v] : a.annotations) annotations.push_back({k, v});
  return {alerting::Fingerprint(a.labels),
          a.labels,
          LabelSet(std::move(annotations)),
          !a.resolved(now),
          "",
          "router"};
}

// The fingerprints of the alerts a webhook body (Alertmanager v4) carries.
std::vector<std::string> FingerprintsOf(const std::string& body) {
  std::vector<std::string> out;
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("alerts") || !doc["alerts"].is_array()) return out;
  for (const auto& a : doc["alerts"]) {
    if (a.is_object() && a.contains("fingerprint") && a["fingerprint"].is_string()) {
      out.push_back(a["fingerprint"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

Result<void> Pipeline::Impl::OpenAlerting() {
  const AlertingSettings& a = settings.alerting;
  std::vector<alerting::RuleGroup> groups;
  for (const std::string& f : a.rule_files) {
    alerting::ParsedRules parsed = alerting::LoadRuleFile(f);
    if (!parsed.errors.empty()) return Fail(parsed.errors.front());
    for (auto& g : parsed.groups) groups.push_back(std::move(g));
  }
  if (auto opened = OpenStore(); !opened) return opened;
  if (settings.state.postgres) {
    if (auto shared = OpenShared(); !shared) return shared;
  } else {
    auto box = alerting::Outbox::Open(options.data_dir + "/outbox");
    if (!box) return Fail(box.error());
    outbox = std::move(*box);
  }
  alerting::AlertingService::Options ao;
  ao.external_url = a.external_url;
  ao.notification_log = options.data_dir + "/nflog";
  if (settings.state.postgres) {
    // Replicas: only the leader flushes and delivers; what it sent is shared.
    ao.notification_log.clear();
    ao.active = [this] { return leading(); };
    ao.delivery.active = ao.active;
    ao.save_silence = [this](const alerting::Silence& s) { return shared_intake->SaveSilence(s); };
    ao.record_sent = [this](const std::string& key, uint64_t digest, Timestamp at) {
      if (auto r = shared_intake->RecordSent(key, digest, at); !r && log) {
        log->Warn("cannot record a sent notification", {{"error", r.error().message()}});
      }
    };
  }
  ao.on_attempt = [this](const alerting::Delivery& d, bool delivered, const std::string& error,
                         bool retry) { OnAttempt(d, delivered, error, retry); };
  alerting = std::make_unique<alerting::AlertingService>(a.routing, *outbox, clock, log, ao);
  auto book = incident::OverrideBook::Open(options.data_dir + "/oncall_overrides.jsonl");
  if (!book) return Fail(book.error());
  overrides = std::move(*book);
  for (incident::Schedule& s : settings.alerting.oncall.schedules) s.book = overrides.get();
  if (auto paging = OpenPaging(); !paging) return paging;
  incident::IncidentPolicy policy;
  policy.reopen_window = a.reopen_window;
  if (a.severity) policy.severity = *a.severity;
  policy.group_by = a.incident_group_by.empty() ? a.routing.root.group_by : a.incident_group_by;
  policy.correlate_window = a.correlate_window;
  incidents = std::make_unique<incident::IncidentService>(*store, clock, policy, log);
  OpenStakeholders();
  metrics_link->incidents = incidents.get();
  alerting->AddObserver([this](const alerting::Notification& n) { OnNotification(n); });
  rules = std::make_unique<alerting::RuleManager>(
      std::move(groups), *storage, clock,
      [this](const alerting::GroupResult& r) { OnRuleResult(r); },
      alerting::RuleManager::Options{
          a.evaluation_interval, std::chrono::milliseconds(250), options.query_limits.timeout,
          settings.state.postgres ? std::function<bool()>([this] { return leading(); })
                                  : std::function<bool()>()});
  if (settings.state.postgres) return {};  // the leader replays the shared intake
  // Alerts taken in from outside but not yet notified when the last process
  // died come back from the journal into the router.
  auto j =
      alerting::IntakeJournal::Open(options.data_dir + "/intake.journal", clock.Now(), &replayed);
  if (!j) return Fail(j.error());
  journal = std::move(*j);
  if (!replayed.empty()) {
    if (log) log->Info("intake journal replayed", {{"alerts", std::to_string(replayed.size())}});
    alerting->Put(replayed);
  }
  return {};
}

void Pipeline::Impl::OnRuleResult(const alerting::GroupResult& r) {
  if (parts.observer) {
    for (const alerting::AlertChange& c : r.changes) {
      if (c.alert.state == alerting::AlertState::kPending) continue;
      const bool resolved = c.alert.state == alerting::AlertState::kInactive;
      parts.observer->OnAlert(c.rule, c.alert.labels, !resolved,
                              resolved ? c.alert.resolved_at : clock.Now());
    }
  }
  alerting->OnRuleResult(r);
}

// The incidents a delivery is about: those its alerts were put on, or
// (deliveries left from before a restart) the newest incident linking them.
std::set<std::string> Pipeline::Impl::IncidentsOf(const alerting::Delivery& d) {
  std::set<std::string> ids;
  std::vector<std::string> unknown;
  {
    std::lock_guard lock(linked_mu);
    for (const std::string& fp : FingerprintsOf(d.body)) {
      auto it = incident_of.find(fp);
      if (it != incident_of.end()) {
        ids.insert(it->second);
      } else {
        unknown.push_back(fp);
      }
    }
  }
  if (unknown.empty()) return ids;
  incident::IncidentFilter recent;
  recent.limit = 200;
  auto list = incidents->List(recent);
  for (const std::string& fp : unknown) {
    for (const incident::Incident& inc : list ? *list : std::vector<incident::Incident>{}) {
      const bool linked =
          std::any_of(inc.alerts.begin(), inc.alerts.end(),
                      [&](const incident::LinkedAlert& a) { return a.fingerprint == fp; });
      if (linked) {
        ids.insert(inc.id);
        break;
      }
    }
  }
  return ids;
}

// A delivery's final outcome goes onto its incidents' timelines; attempts
// that will be retried do not (the timeline would fill with retries).
void Pipeline::Impl::OnAttempt(const alerting::Delivery& d, bool delivered,
                               const std::string& error, bool retry) {
  if (parts.observer) parts.observer->OnDelivery(d.receiver, d.url, delivered, error);
  if (!delivered && retry) return;
  auto page = notify::Pager::Outcome(d, delivered, error);
  if (!page) page = notify::Stakeholders::Outcome(d, delivered, error);
  if (page) {
    const auto status = delivered ? incident::NotificationStatus::kDelivered
                                  : incident::NotificationStatus::kFailed;
    const std::string receiver = d.url.starts_with(notify::kPageScheme) ? "page" : "stakeholders";
    if (auto r = incidents->RecordNotification(page->first, status, receiver, page->second);
        !r && log) {
      log->Error("cannot record a page on an incident",
                 {{"incident", page->first}, {"error", r.error().ToString()}});
    }
    return;
  }
  for (const std::string& id : IncidentsOf(d)) {
    const auto status = delivered ? incident::NotificationStatus::kDelivered
                                  : incident::NotificationStatus::kFailed;
    const std::string text =
        delivered ? "delivered to " + d.receiver + " (" + d.url + ")"
                  : "delivery to " + d.receiver + " (" + d.url + ") failed, not retried: " + error;
    if (auto r = incidents->RecordNotification(id, status, d.receiver, text); !r && log) {
      log->Error("cannot record a delivery on an incident",
                 {{"incident", id}, {"error", r.error().ToString()}});
    }
  }
}

// A notification: every alert it carries goes onto its incident, all in one
// batch (a storm's thousands of alerts cost one store write per incident).
void Pipeline::Impl::OnNotification(const alerting::Notification& n) {
  std::vector<incident::AlertEvent> events;
  events.reserve(n.alerts.size());
  for (const alerting::RoutedAlert& a : n.alerts) events.push_back(EventOf(a, n.at));
  std::vector<incident::Incident> touched;  // one timeline entry per incident, not per alert
  const auto ids = incidents->OpenOrUpdateFromAlerts(events, &touched);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i]) {
      if (ids[i].error().code() != ErrorCode::kNotFound && log) {
        log->Error("cannot record alert on an incident", {{"error", ids[i].error().ToString()}});
      }
      continue;
    }
    std::lock_guard lock(linked_mu);
    incident_of[events[i].fingerprint] = *ids[i];
  }
  for (const incident::Incident& inc : touched) {
    bool opened = false;
    {
      std::lock_guard lock(linked_mu);
      opened = known_incidents.insert(inc.id).second;
    }
    if (parts.observer) parts.observer->OnIncident(inc, opened);
    StartEscalation(inc);
    (void)incidents->RecordNotification(
        inc.id, incident::NotificationStatus::kSent, n.receiver,
        "notified " + n.receiver + " (" + (n.firing ? "firing" : "resolved") + ", " +
            std::to_string(n.alerts.size()) + (n.alerts.size() == 1 ? " alert)" : " alerts)"));
  }
}

void Pipeline::Impl::StartEscalation(const incident::Incident& inc) {
  const AlertingSettings& a = settings.alerting;
  if (!inc.IsOpen() || a.escalation_policy.empty()) return;
  const incident::EscalationPolicy* policy = a.oncall.FindPolicy(a.escalation_policy);
  if (!policy) return;
  std::lock_guard lock(escalation_mu);
  if (!escalated.insert(inc.id).second) return;
  escalations.try_emplace(inc.id, *policy, a.oncall, clock.Now());
}

// Pages fall due until the incident is acknowledged; each goes on its
// timeline with the people it reached.
void Pipeline::Impl::EscalateDue(Timestamp now) {
  std::vector<std::pair<std::string, incident::Page>> pages;
  {
    std::lock_guard lock(escalation_mu);
    for (auto it = escalations.begin(); it != escalations.end();) {
      auto inc = incidents->Get(it->first);
      if (!inc || inc->state != incident::State::kTriggered) {
        it->second.Acknowledge();
        escalated.erase(it->first);
        if (pager) pager->Acknowledge(it->first);  // acknowledged anywhere: pages stop
      }
      for (incident::Page& p : it->second.Due(now)) {
        auto sent = pages_sent_before.find(it->first);
        if (sent != pages_sent_before.end() && sent->second > 0) {
          --sent->second;  // the previous leader sent this one
          continue;
        }
        pages.push_back({it->first, p});
      }
      it = it->second.Next() ? std::next(it) : escalations.erase(it);
    }
  }
  for (const auto& [id, p] : pages) {
    std::string who;
    for (const std::string& u : p.users) who += (who.empty() ? "" : ", ") + u;
    std::string text = "page level " + std::to_string(p.level + 1) + " (round " +
                       std::to_string(p.round + 1) + "): " + (who.empty() ? "nobody on call" : who);
    if (pager) {
      auto inc = incidents->Get(id);
      const notify::Pager::Request request{id, inc ? inc->title : id,
                                           inc ? static_cast<int>(inc->severity) : 1,
                                           static_cast<int>(p.level + 1), p.users};
      for (const std::string& line : pager->Page(request, now)) text += "; " + line;
    }
    (void)incidents->RecordNotification(id, incident::NotificationStatus::kSent, "escalation",
                                        text);
    if (log) log->Info("escalation page", {{"incident", id}, {"to", who}});
  }
  if (pager) {
    // Methods still planned outlive an escalation that ran out of levels:
    // an acknowledgement must stop them too.
    for (const std::string& id : pager->Planned()) {
      auto inc = incidents->Get(id);
      if (!inc || inc->state != incident::State::kTriggered) pager->Acknowledge(id);
    }
    pager->Step(now);
  }
  if (stakeholders) stakeholders->Step(now);
}

// Stakeholder updates and reminders (stakeholders:), through the same
// outbox and channels as pages.
void Pipeline::Impl::OpenStakeholders() {
  const notify::StakeholderSettings& s = settings.alerting.stakeholders;
  if (s.audiences.empty() && s.cadence.empty()) return;
  alerting::Notifier& n = alerting->notifier();
  stakeholders = std::make_unique<notify::Stakeholders>(
      s, settings.alerting.paging, *incidents,
      [&n](alerting::Delivery d) { return n.Send(std::move(d)); },
      [this](const std::string& id) { return pager ? pager->LastPerson(id) : std::string(); },
      Millis(10'000));
  n.SetTransport(std::string(notify::kUpdateScheme),
                 [this](const alerting::Delivery& d, std::string& detail) {
                   return stakeholders->Deliver(d, detail, clock.Now());
                 });
}

Result<void> Pipeline::Impl::OpenPaging() {
  const notify::PagingSettings& s = settings.alerting.paging;
  if (s.people.empty()) return {};
  const std::string secret =
      s.secret_file.empty() ? options.data_dir + "/paging.key" : s.secret_file;
  auto links = notify::AckLinks::Open(secret, options.data_dir + "/paging.used");
  if (!links) return Fail(links.error());
  ack_links = std::move(*links);
  notify::Pager::Options o;
  o.public_url = s.public_url.empty() ? settings.alerting.external_url : s.public_url;
  while (o.public_url.ends_with("/")) o.public_url.pop_back();
  alerting::Notifier& n = alerting->notifier();
  pager = std::make_unique<notify::Pager>(
      s, *ack_links, clock, [&n](alerting::Delivery d) { return n.Send(std::move(d)); }, o);
  n.SetTransport(std::string(notify::kPageScheme),
                 [this](const alerting::Delivery& d, std::string& detail) {
                   return pager->Deliver(d, detail);
                 });
  return {};
}

}  // namespace fw::pipeline
