#include "cli/serve_alerting.h"

#include <filesystem>
#include <map>
#include <stop_token>
#include <thread>

#include "alerting/alerting_service.h"
#include "alerting/api.h"
#include "alerting/rule_manager.h"
#include "incident/api.h"
#include "incident/service.h"
#include "incident/sqlite_store.h"
#include "metrics/promql/db_storage.h"

namespace fw::cli {
namespace {

// Rules read the whole store and write their results back into it.
class DbRuleStorage final : public alerting::RuleStorage {
 public:
  explicit DbRuleStorage(metrics::tsdb::Db& db) : db_(db), view_(db) {}
  const metrics::promql::Queryable& queryable() const override { return view_; }
  Result<void> Append(const std::vector<alerting::OutputSample>& samples) override {
    std::vector<metrics::tsdb::LabeledSample> batch;
    batch.reserve(samples.size());
    for (const auto& s : samples) batch.push_back({s.labels, s.sample});
    auto r = db_.Append(batch);
    if (!r) return Fail(r.error());
    return {};
  }

 private:
  metrics::tsdb::Db& db_;
  metrics::promql::DbView view_;
};

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

}  // namespace

struct ServeAlerting::Impl {
  Impl(metrics::tsdb::Db& db, Clock& c, Logger& l) : storage(db), clock(c), log(l) {}

  DbRuleStorage storage;
  Clock& clock;
  Logger& log;
  const AlertingSettings* settings = nullptr;
  std::unique_ptr<alerting::Outbox> outbox;
  std::unique_ptr<alerting::AlertingService> alerting;
  std::unique_ptr<alerting::RuleManager> rules;
  std::unique_ptr<incident::SqliteStore> store;
  std::unique_ptr<incident::IncidentService> incidents;
  std::mutex escalation_mu;
  std::map<std::string, incident::Escalation> escalations;  // by incident id
  // Incidents whose escalation ran, so repeated notifications do not start
  // it again; an incident leaves the set once acknowledged (or further), so
  // that a reopen escalates afresh.
  std::set<std::string> escalated;
  std::jthread escalation_thread;

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
  impl->alerting = std::make_unique<alerting::AlertingService>(
      settings.routing, *impl->outbox, clock, &log,
      alerting::AlertingService::Options{settings.external_url, {}});
  auto store = incident::SqliteStore::Open(data_dir + "/incidents.db");
  if (!store) return Fail(store.error());
  impl->store = std::move(*store);
  incident::IncidentPolicy policy;
  policy.reopen_window = settings.reopen_window;
  impl->incidents = std::make_unique<incident::IncidentService>(*impl->store, clock, policy, &log);
  Impl* raw = impl.get();
  impl->alerting->AddObserver([raw](const alerting::Notification& n) { raw->OnNotification(n); });
  impl->rules = std::make_unique<alerting::RuleManager>(
      std::move(groups), impl->storage, clock,
      [raw](const alerting::GroupResult& r) { raw->alerting->OnRuleResult(r); },
      alerting::RuleManager::Options{settings.evaluation_interval, std::chrono::seconds(1)});
  alerting::RegisterAlertingApi(http, *impl->alerting, impl->rules.get(), clock);
  incident::RegisterIncidentApi(http, *impl->incidents, clock);
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
  impl_->escalation_thread = {};
  if (impl_->rules) impl_->rules->Stop();
  if (impl_->alerting) impl_->alerting->Stop();
}

}  // namespace fw::cli
