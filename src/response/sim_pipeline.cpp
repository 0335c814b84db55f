#include "response/sim_pipeline.h"

#include <httplib.h>

#include <filesystem>
#include <set>

#include "alerting/db_rule_storage.h"
#include "alerting/router.h"
#include "alerting/rule_eval.h"
#include "alerting/webhook.h"
#include "incident/sqlite_store.h"
#include "logs/ingest/line_ingest.h"
#include "logs/store/log_store.h"
#include "metrics/ingest/label_set_handler.h"
#include "metrics/ingest/vanished_series.h"
#include "metrics/model.h"
#include "metrics/promql/db_storage.h"
#include "metrics/tsdb/db.h"
#include "sim/exposition.h"
#include "sim/simulator.h"

namespace fw::response {
namespace {

// A scrape of every target with honor_labels: the exposition's own labels
// stay, `job` is the service, every sample stamped with the scrape time.
class ScrapeBatch final : public metrics::ingest::LabelSetHandler {
 public:
  ScrapeBatch(std::string job, Timestamp t) : job_(std::move(job)), t_(t) {}
  void OnSeries(const LabelSet& series, double value, std::optional<Timestamp>) override {
    LabelSet labels = series;
    if (!labels.Has("job")) labels.Set("job", job_);
    samples.push_back({std::move(labels), {t_, value}});
  }
  std::vector<metrics::tsdb::LabeledSample> samples;

 private:
  std::string job_;
  Timestamp t_;
};

// "http://host:port/path" -> POST; an error string, empty on a 2xx.
std::string PostJson(const std::string& url, const std::string& body) {
  const size_t scheme = url.find("://");
  const size_t path_at = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
  httplib::Client client(url.substr(0, path_at));
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Post(path_at == std::string::npos ? "/" : url.substr(path_at), body,
                         "application/json");
  if (!res) return httplib::to_string(res.error());
  if (res->status / 100 != 2) return "HTTP " + std::to_string(res->status);
  return "";
}

}  // namespace

struct SimPipeline::Impl final : sim::SimSink {
  explicit Impl(sim::Scenario sc) : simulator(std::move(sc)), clock(simulator.now()) {}

  sim::Simulator simulator;
  ManualClock clock;
  SimPipelineOptions options;
  std::string job;
  std::unique_ptr<metrics::tsdb::Db> db;
  std::unique_ptr<alerting::DbRuleStorage> rule_storage;
  std::unique_ptr<logs::store::LogStore> log_store;
  std::unique_ptr<logs::ingest::LineIngester> log_ingester;
  changes::ChangeLog change_log;
  std::unique_ptr<incident::SqliteStore> incident_store;
  std::unique_ptr<incident::IncidentService> incidents;
  std::vector<alerting::GroupEvaluator> groups;
  std::vector<Timestamp> next_eval;
  std::unique_ptr<alerting::Router> router;
  std::set<std::string> known_incidents;
  PipelineObserver* observer = nullptr;
  bool scraped = false;
  metrics::ingest::VanishedSeries vanished;  // a removed instance's series go stale
  Result<void> failure;                      // the first error a sink callback met

  void OnLog(std::string_view line) override {
    std::string text(line);
    text += '\n';
    if (auto r = log_ingester->Feed(text); !r && failure) failure = r;
  }
  void OnChange(std::string_view line) override {
    auto e = changes::ParseChangeJson(line);
    if (e) change_log.Append(std::move(*e));
  }
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    sim::TextExposition exposition;
    s.Collect(exposition);
    ScrapeBatch batch(job, t);
    auto parsed = metrics::ingest::ParseExposition(
        exposition.Render(), metrics::ingest::Format::kPrometheusText, batch, "sim");
    if (!parsed) {
      if (failure) failure = Fail(parsed.error());
      return;
    }
    for (const auto& sample : batch.samples) vanished.Seen(sample.labels);
    for (LabelSet& gone : vanished.EndScrape()) {
      batch.samples.push_back({std::move(gone), {t, metrics::StaleNaN()}});
    }
    if (auto r = db->Append(batch.samples); !r && failure) failure = Fail(r.error());
    scraped = true;
  }

  Result<void> EvaluateRules(Timestamp now);
  void Deliver(const alerting::Notification& n);
};

Result<std::unique_ptr<SimPipeline>> SimPipeline::Open(sim::Scenario scenario,
                                                       SimPipelineOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir + "/logs", ec);
  if (ec) {
    return Fail(ErrorCode::kIo, "cannot create " + options.data_dir + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>(std::move(scenario));
  impl->options = std::move(options);
  const SimPipelineOptions& o = impl->options;
  impl->job = impl->simulator.scenario().env.service;
  metrics::tsdb::DbOptions db_options;
  db_options.clock = &impl->clock;
  auto db = metrics::tsdb::Db::Open(o.data_dir + "/metrics", db_options);
  if (!db) return Fail(db.error());
  impl->db = std::move(*db);
  impl->rule_storage = std::make_unique<alerting::DbRuleStorage>(*impl->db);
  auto logs = logs::store::LogStore::Open(o.data_dir + "/logs", impl->clock);
  if (!logs) return Fail(logs.error());
  impl->log_store = std::move(*logs);
  impl->log_ingester = std::make_unique<logs::ingest::LineIngester>(
      *impl->log_store, impl->clock,
      logs::ingest::LineIngestOptions{.group = impl->job, .stream = "app", .expect_json = true});
  auto store = incident::SqliteStore::Open(o.data_dir + "/incidents.db");
  if (!store) return Fail(store.error());
  impl->incident_store = std::move(*store);
  impl->incidents =
      std::make_unique<incident::IncidentService>(*impl->incident_store, impl->clock, o.policy);
  for (const alerting::RuleGroup& g : o.rules) {
    impl->groups.emplace_back(g, Millis(60'000));
    impl->next_eval.push_back(impl->clock.Now());
  }
  impl->router = std::make_unique<alerting::Router>(o.routing);
  impl->simulator.set_sink(impl.get());
  return std::unique_ptr<SimPipeline>(new SimPipeline(std::move(impl)));
}

SimPipeline::SimPipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimPipeline::~SimPipeline() {
  if (impl_) {
    (void)impl_->log_ingester->Finish();
    impl_->simulator.set_sink(nullptr);
  }
}

void SimPipeline::set_observer(PipelineObserver* observer) { impl_->observer = observer; }

Result<void> SimPipeline::Step() {
  Impl& m = *impl_;
  m.scraped = false;
  m.simulator.Step();
  m.clock.SleepUntil(m.simulator.now());
  if (!m.failure) return m.failure;
  if (m.scraped) {
    // Logs become queryable in scrape-sized batches: one fsync per batch.
    if (auto r = m.log_ingester->Flush(); !r) return r;
  }
  return m.EvaluateRules(m.clock.Now());
}

Result<void> SimPipeline::Impl::EvaluateRules(Timestamp now) {
  for (size_t i = 0; i < groups.size(); ++i) {
    // Early evaluation: new samples are in, so every group looks now.
    if (!scraped && now < next_eval[i]) continue;
    next_eval[i] = now + groups[i].interval().count();
    alerting::GroupResult r = groups[i].Eval(*rule_storage, now);
    for (const alerting::AlertChange& c : r.changes) {
      if (c.alert.state == alerting::AlertState::kPending) continue;
      const bool resolved = c.alert.state == alerting::AlertState::kInactive;
      if (observer) observer->OnAlert(c.rule, c.alert.labels, !resolved, now);
      router->Put({c.alert.labels, c.alert.annotations, c.alert.active_at,
                   resolved ? c.alert.resolved_at : 0, options.external_url + "/alerts"},
                  now);
    }
  }
  for (const alerting::Notification& n : router->Flush(now)) Deliver(n);
  return {};
}

void SimPipeline::Impl::Deliver(const alerting::Notification& n) {
  std::set<std::string> ids;  // the incidents this notification touched
  for (const alerting::RoutedAlert& a : n.alerts) {
    std::vector<Label> annotations;
    for (const auto& [k, v] : a.annotations) annotations.push_back({k, v});
    incident::AlertEvent event{alerting::Fingerprint(a.labels),
                               a.labels,
                               LabelSet(std::move(annotations)),
                               !a.resolved(n.at),
                               "",
                               "router"};
    auto inc = incidents->OpenOrUpdateFromAlert(event);
    if (!inc) continue;  // a resolved alert without an open incident
    ids.insert(inc->id);
    const bool opened = known_incidents.insert(inc->id).second;
    if (observer) observer->OnIncident(*inc, opened);
  }
  const alerting::Receiver* receiver = options.routing.FindReceiver(n.receiver);
  const std::string what = n.receiver + " (" + (n.firing ? "firing" : "resolved") + ", " +
                           std::to_string(n.alerts.size()) + " alerts)";
  for (const std::string& id : ids) {
    (void)incidents->RecordNotification(id, incident::NotificationStatus::kSent, n.receiver,
                                        "notified " + what);
  }
  if (!receiver) return;
  for (const alerting::WebhookConfig& w : receiver->webhooks) {
    if (!n.firing && !w.send_resolved) continue;
    const std::string error =
        PostJson(w.url, alerting::AlertmanagerPayload(n, options.external_url));
    if (observer) observer->OnNotification(n.receiver, w.url, error.empty(), error, n.at);
    for (const std::string& id : ids) {
      (void)incidents->RecordNotification(
          id,
          error.empty() ? incident::NotificationStatus::kDelivered
                        : incident::NotificationStatus::kFailed,
          n.receiver,
          (error.empty() ? "delivered to " : "delivery failed: " + error + ": ") + w.url);
    }
  }
}

Timestamp SimPipeline::now() const { return impl_->simulator.now(); }
Timestamp SimPipeline::start() const { return impl_->simulator.scenario().start; }
bool SimPipeline::done() const { return impl_->simulator.done(); }
sim::Simulator& SimPipeline::simulator() { return impl_->simulator; }
Clock& SimPipeline::clock() { return impl_->clock; }
metrics::tsdb::Db& SimPipeline::db() { return *impl_->db; }
const metrics::promql::Queryable& SimPipeline::metrics() const {
  return impl_->rule_storage->queryable();
}
logs::store::LogStore& SimPipeline::logs() { return *impl_->log_store; }
const changes::ChangeLog& SimPipeline::changes() const { return impl_->change_log; }
incident::IncidentService& SimPipeline::incidents() { return *impl_->incidents; }

}  // namespace fw::response
