#include "cli/serve_alerting.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>

#include "alerting/alerting_service.h"
#include "alerting/api.h"
#include "alerting/db_rule_storage.h"
#include "alerting/rule_manager.h"
#include "incident/api.h"
#include "incident/oncall_api.h"
#include "incident/service.h"
#include "incident/sqlite_store.h"
#include "metrics/promql/db_storage.h"

namespace fw::cli {
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

// MTTA, MTTR and counts per (service, severity) from the whole store, as
// gauges: an incident counts once per service it touches.
// Timelines already read, by incident id; reused while the incident's
// version (bumped by every write) is unchanged, so a scrape reads only the
// timelines of incidents that moved since the last one.
using TimelineCache = std::map<std::string, incident::IncidentHistory>;

void ExportIncidentMetrics(const incident::IncidentService& incidents, server::SelfMetrics& m,
                           Timestamp now, Logger& log, TimelineCache& cache) {
  auto list = incidents.List({});
  if (!list)
    return log.Error("cannot list incidents for /metrics", {{"error", list.error().ToString()}});
  TimelineCache current;
  std::map<std::pair<std::string, std::string>, std::vector<incident::IncidentHistory>> by_key;
  for (incident::Incident& inc : *list) {
    auto cached = cache.find(inc.id);
    if (cached == cache.end() || cached->second.first.version != inc.version) {
      auto timeline = incidents.Timeline(inc.id);
      if (!timeline) continue;
      cached = cache.insert_or_assign(inc.id, incident::IncidentHistory{inc, *timeline}).first;
    }
    const incident::IncidentHistory& history =
        current.emplace(inc.id, std::move(cached->second)).first->second;
    const std::string severity(incident::SeverityName(inc.severity));
    std::vector<std::string> services = inc.services;
    if (services.empty()) services.push_back("");
    for (const std::string& service : services) by_key[{service, severity}].push_back(history);
  }
  cache = std::move(current);  // incidents gone from the store leave the cache
  for (const auto& [key, histories] : by_key) {
    const incident::IncidentMetrics s = incident::ComputeMetrics(histories, 0, now + 1);
    LabelSet labels;
    if (!key.first.empty()) labels.Set("service", key.first);
    labels.Set("severity", key.second);
    m.gauge("firewatch_incidents", "Incidents created, by service and severity", labels)
        .Set(static_cast<double>(s.total));
    m.gauge("firewatch_incidents_open", "Incidents not yet resolved, by service and severity",
            labels)
        .Set(static_cast<double>(s.open));
    if (s.mtta.count > 0) {
      m.gauge("firewatch_incident_mtta_seconds",
              "Mean time from an incident's creation to its first acknowledgement", labels)
          .Set(s.mtta.mean_ms / 1000);
    }
    if (s.mttr.count > 0) {
      m.gauge("firewatch_incident_mttr_seconds",
              "Mean time from an incident's creation to its resolution", labels)
          .Set(s.mttr.mean_ms / 1000);
    }
  }
}

}  // namespace

struct ServeAlerting::Impl {
  Impl(metrics::tsdb::Db& db, Clock& c, Logger& l) : storage(db), clock(c), log(l) {}
  ~Impl() { Unlink(); }
  void Unlink() {
    std::lock_guard lock(metrics_link->mu);
    metrics_link->incidents = nullptr;
  }

  // The /metrics collector outlives this (the registry keeps it): it reaches
  // the incidents through here, cut when alerting stops.
  struct MetricsLink {
    std::mutex mu;
    const incident::IncidentService* incidents = nullptr;
    TimelineCache timelines;  // under mu
  };

  alerting::DbRuleStorage storage;
  Clock& clock;
  Logger& log;
  const AlertingSettings* settings = nullptr;
  std::unique_ptr<alerting::Outbox> outbox;
  std::unique_ptr<alerting::AlertingService> alerting;
  std::unique_ptr<alerting::RuleManager> rules;
  std::unique_ptr<incident::SqliteStore> store;
  std::unique_ptr<incident::IncidentService> incidents;
  changes::ChangeLog changes;  // PagerDuty change events, for root-cause analysis
  std::unique_ptr<alerting::IntakeJournal> journal;  // intake, durable before it is answered
  std::mutex escalation_mu;
  std::map<std::string, incident::Escalation> escalations;  // by incident id
  // Incidents whose escalation ran, so repeated notifications do not start
  // it again; an incident leaves the set once acknowledged (or further), so
  // that a reopen escalates afresh.
  std::set<std::string> escalated;
  std::jthread escalation_thread;
  std::shared_ptr<MetricsLink> metrics_link = std::make_shared<MetricsLink>();
  std::mutex linked_mu;
  std::map<std::string, std::string> incident_of;  // alert fingerprint -> incident id

  // The incidents a delivery is about: those its alerts were put on, or
  // (deliveries left from before a restart) the newest incident linking them.
  std::set<std::string> IncidentsOf(const alerting::Delivery& d) {
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
  void OnAttempt(const alerting::Delivery& d, bool delivered, const std::string& error,
                 bool retry) {
    if (!delivered && retry) return;
    for (const std::string& id : IncidentsOf(d)) {
      const auto status = delivered ? incident::NotificationStatus::kDelivered
                                    : incident::NotificationStatus::kFailed;
      const std::string text = delivered ? "delivered to " + d.receiver + " (" + d.url + ")"
                                         : "delivery to " + d.receiver + " (" + d.url +
                                               ") failed, not retried: " + error;
      if (auto r = incidents->RecordNotification(id, status, d.receiver, text); !r) {
        log.Error("cannot record a delivery on an incident",
                  {{"incident", id}, {"error", r.error().ToString()}});
      }
    }
  }

  // A notification: every alert it carries goes onto its incident.
  void OnNotification(const alerting::Notification& n) {
    for (const alerting::RoutedAlert& a : n.alerts) {
      auto inc = incidents->OpenOrUpdateFromAlert(EventOf(a, n.at));
      if (!inc) {
        if (inc.error().code() != ErrorCode::kNotFound) {
          log.Error("cannot record alert on an incident", {{"error", inc.error().ToString()}});
        }
        continue;
      }
      {
        std::lock_guard lock(linked_mu);
        incident_of[alerting::Fingerprint(a.labels)] = inc->id;
      }
      (void)incidents->RecordNotification(
          inc->id, incident::NotificationStatus::kSent, n.receiver,
          "notified " + n.receiver + " (" + (n.firing ? "firing" : "resolved") + ")");
      StartEscalation(*inc);
    }
  }

  void StartEscalation(const incident::Incident& inc) {
    if (!inc.IsOpen() || settings->escalation_policy.empty()) return;
    const incident::EscalationPolicy* policy =
        settings->oncall.FindPolicy(settings->escalation_policy);
    if (!policy) return;
    std::lock_guard lock(escalation_mu);
    if (!escalated.insert(inc.id).second) return;
    escalations.try_emplace(inc.id, *policy, settings->oncall, clock.Now());
  }

  // Pages fall due until the incident is acknowledged; each goes on its
  // timeline with the people it reached.
  void EscalationLoop(std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::vector<std::pair<std::string, incident::Page>> pages;
      {
        std::lock_guard lock(escalation_mu);
        for (auto it = escalations.begin(); it != escalations.end();) {
          auto inc = incidents->Get(it->first);
          if (!inc || inc->state != incident::State::kTriggered) {
            it->second.Acknowledge();
            escalated.erase(it->first);
          }
          for (incident::Page& p : it->second.Due(clock.Now())) pages.push_back({it->first, p});
          it = it->second.Next() ? std::next(it) : escalations.erase(it);
        }
      }
      for (const auto& [id, p] : pages) {
        std::string who;
        for (const std::string& u : p.users) who += (who.empty() ? "" : ", ") + u;
        const std::string text = "page level " + std::to_string(p.level + 1) + " (round " +
                                 std::to_string(p.round + 1) +
                                 "): " + (who.empty() ? "nobody on call" : who);
        (void)incidents->RecordNotification(id, incident::NotificationStatus::kSent, "escalation",
                                            text);
        log.Info("escalation page", {{"incident", id}, {"to", who}});
      }
      clock.SleepUntil(clock.Now() + 1'000, stop);
    }
  }
};

ServeAlerting::ServeAlerting(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
incident::IncidentService& ServeAlerting::incidents() { return *impl_->incidents; }
const changes::ChangeLog& ServeAlerting::changes() const { return impl_->changes; }

ServeAlerting::~ServeAlerting() { Stop(); }

Result<std::unique_ptr<ServeAlerting>> ServeAlerting::Start(const AlertingSettings& settings,
                                                            metrics::tsdb::Db& db,
                                                            const std::string& data_dir,
                                                            server::HttpServer& http, Clock& clock,
                                                            Logger& log) {
  auto impl = std::make_unique<Impl>(db, clock, log);
  impl->settings = &settings;
  std::vector<alerting::RuleGroup> groups;
  for (const std::string& f : settings.rule_files) {
    alerting::ParsedRules parsed = alerting::LoadRuleFile(f);
    if (!parsed.errors.empty()) return Fail(parsed.errors.front());
    for (auto& g : parsed.groups) groups.push_back(std::move(g));
  }
  auto outbox = alerting::Outbox::Open(data_dir + "/outbox");
  if (!outbox) return Fail(outbox.error());
  impl->outbox = std::move(*outbox);
  auto store = incident::SqliteStore::Open(data_dir + "/incidents.db");
  if (!store) return Fail(store.error());
  impl->store = std::move(*store);
  Impl* raw = impl.get();
  alerting::AlertingService::Options options{settings.external_url, {}, {}};
  options.on_attempt = [raw](const alerting::Delivery& d, bool delivered, const std::string& error,
                             bool retry) { raw->OnAttempt(d, delivered, error, retry); };
  impl->alerting = std::make_unique<alerting::AlertingService>(settings.routing, *impl->outbox,
                                                               clock, &log, options);
  incident::IncidentPolicy policy;
  policy.reopen_window = settings.reopen_window;
  if (settings.severity) policy.severity = *settings.severity;
  impl->incidents = std::make_unique<incident::IncidentService>(*impl->store, clock, policy, &log);
  impl->metrics_link->incidents = impl->incidents.get();
  server::SelfMetrics& self = http.metrics();
  self.AddCollector([link = impl->metrics_link, &self, &clock, &log] {
    std::lock_guard lock(link->mu);
    if (link->incidents) {
      ExportIncidentMetrics(*link->incidents, self, clock.Now(), log, link->timelines);
    }
  });
  impl->alerting->AddObserver([raw](const alerting::Notification& n) { raw->OnNotification(n); });
  impl->rules = std::make_unique<alerting::RuleManager>(
      std::move(groups), impl->storage, clock,
      [raw](const alerting::GroupResult& r) { raw->alerting->OnRuleResult(r); },
      alerting::RuleManager::Options{settings.evaluation_interval, std::chrono::milliseconds(250)});
  // Alerts taken in from outside but not yet notified when the last process
  // died come back from the journal into the router.
  std::vector<alerting::RoutedAlert> replayed;
  auto journal =
      alerting::IntakeJournal::Open(data_dir + "/intake.journal", clock.Now(), &replayed);
  if (!journal) return Fail(journal.error());
  impl->journal = std::move(*journal);
  if (!replayed.empty()) {
    log.Info("intake journal replayed", {{"alerts", std::to_string(replayed.size())}});
    impl->alerting->Put(replayed);
  }
  alerting::RegisterAlertingApi(http, *impl->alerting, impl->rules.get(), clock,
                                {&impl->changes, impl->journal.get(), std::move(replayed)});
  incident::RegisterIncidentApi(http, *impl->incidents, clock);
  incident::RegisterOnCallApi(http, settings.oncall, clock);
  impl->alerting->Start();
  impl->rules->Start();
  impl->escalation_thread = std::jthread([raw](std::stop_token s) { raw->EscalationLoop(s); });
  return std::unique_ptr<ServeAlerting>(new ServeAlerting(std::move(impl)));
}

void ServeAlerting::Appended(const std::vector<metrics::tsdb::LabeledSample>& batch) {
  std::set<std::string> names;
  for (const auto& s : batch) names.emplace(s.labels.Get(metrics::kMetricNameLabel));
  impl_->rules->NotifyAppended(names);
}

void ServeAlerting::Stop() {
  if (!impl_) return;
  impl_->Unlink();
  impl_->escalation_thread = {};
  if (impl_->rules) impl_->rules->Stop();
  if (impl_->alerting) impl_->alerting->Stop();
}

}  // namespace fw::cli
