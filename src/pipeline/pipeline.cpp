#include "pipeline/pipeline.h"

#include <filesystem>

#include "alerting/api.h"
#include "incident/api.h"
#include "incident/oncall_api.h"
#include "metrics/api/prom_api.h"
#include "metrics/api/stats_api.h"
#include "metrics/model.h"
#include "notify/noise_report.h"
#include "notify/page_api.h"
#include "pipeline/pipeline_impl.h"
#include "response/api.h"

namespace fw::pipeline {

const char* ApprovalModeName(ApprovalMode m) {
  switch (m) {
    case ApprovalMode::kAuto:
      return "auto";
    case ApprovalMode::kRunbook:
      return "runbook";
    case ApprovalMode::kActions:
      return "actions";
  }
  return "?";
}

Result<ApprovalMode> ParseApprovalMode(const std::string& text) {
  for (ApprovalMode m : {ApprovalMode::kAuto, ApprovalMode::kRunbook, ApprovalMode::kActions}) {
    if (text == ApprovalModeName(m)) return m;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "expected auto (nobody is asked), runbook (one approval before a runbook runs) or "
              "actions (an approval before every action), got \"" +
                  text + "\"");
}

Result<std::unique_ptr<Pipeline>> Pipeline::Open(const Settings& settings, Options options,
                                                 Clock& clock, Logger* log, Parts parts) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir + "/logs", ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + options.data_dir + ": " + ec.message());
  auto impl = std::make_unique<Impl>(clock, log);
  impl->settings = settings;
  impl->options = std::move(options);
  impl->parts = parts;
  Impl& m = *impl;
  m.options.db.clock = &clock;
  if (!settings.remote_write.empty()) {
    m.remote_writer =
        std::make_unique<metrics::remote::RemoteWriter>(settings.remote_write, clock, log);
    m.options.db.on_appended =
        [w = m.remote_writer.get()](const std::vector<metrics::tsdb::LabeledSample>& batch) {
          w->Enqueue(batch);
        };
  }
  auto db = metrics::tsdb::Db::Open(m.options.data_dir, m.options.db);
  if (!db) return Fail(db.error());
  m.db = std::move(*db);
  if (log) {
    const auto& opened = m.db->open_stats();
    log->Info("metrics store opened",
              {{"data", m.options.data_dir},
               {"series", std::to_string(opened.series)},
               {"samples", std::to_string(opened.samples)},
               {"torn_tail_repaired", opened.torn_tail ? "true" : "false"},
               {"damaged_records_skipped", std::to_string(opened.skipped_records)}});
  }
  m.storage = std::make_unique<alerting::DbRuleStorage>(*m.db);
  if (!settings.remote_metrics.url.empty()) {
    // Every stage reads through storage: their Prometheus and ours together.
    m.remote_metrics =
        std::make_unique<metrics::remote::RemoteQueryable>(settings.remote_metrics, log);
    m.metrics_union =
        std::make_unique<metrics::remote::UnionQueryable>(m.storage->local(), *m.remote_metrics);
    m.storage->ReadFrom(m.metrics_union.get());
    if (log)
      log->Info("reading metrics from a remote query API", {{"url", settings.remote_metrics.url}});
  }
  auto logs = logs::store::LogStore::Open(m.options.data_dir + "/logs", clock, m.options.logs);
  if (!logs) return Fail(logs.error());
  m.log_store = std::move(*logs);
  m.log_source = std::make_unique<logs::store::StoreEventSource>(*m.log_store);
  if (auto ok = m.changes.OpenJournal(m.options.data_dir + "/changes.ndjson"); !ok) {
    return Fail(ok.error());
  }
  if (auto ok = m.OpenAlerting(); !ok) return Fail(ok.error());
  if (auto ok = m.OpenResponse(); !ok) return Fail(ok.error());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() { Stop(); }

void Pipeline::RegisterApis(server::HttpServer& http) {
  Impl& m = *impl_;
  metrics::api::ApiOptions api_options;
  api_options.query_limits = m.options.query_limits;
  api_options.on_append = [this](const std::vector<metrics::tsdb::LabeledSample>& b) {
    Appended(b);
  };
  metrics::api::RegisterPrometheusApi(http, *m.db, m.clock, api_options);
  metrics::api::RegisterStatsApi(http, *m.db, m.clock);
  m.logs_api = logs::api::RegisterLogsApi(http, *m.log_store, m.clock, m.options.logs_api);
  alerting::RegisterAlertingApi(http, *m.alerting, m.rules.get(), m.clock,
                                {&m.changes, m.journal.get(), m.replayed});
  incident::RegisterIncidentApi(http, *m.incidents, m.clock);
  incident::RegisterOnCallApi(http, m.settings.alerting.oncall, m.clock);
  incident::RegisterOverrideApi(http, m.settings.alerting.oncall, *m.overrides);
  response::RegisterResponseApi(
      http, *m.incidents,
      {&m.storage->queryable(), m.log_source.get(), &m.changes, m.Diagnostics()}, m.clock,
      {m.settings.impact, m.log_store.get()});
  RegisterResponderApi(http, m);
  RegisterStateApi(http, m);
  notify::RegisterNoiseApi(http, *m.incidents, m.clock, &m.settings.alerting.paging);
  if (m.pager) {
    notify::RegisterPageApi(http, *m.pager, *m.ack_links, *m.incidents, m.clock,
                            m.pager->public_url());
  }
  server::SelfMetrics& self = http.metrics();
  self.AddCollector([link = m.metrics_link, &self, &clock = m.clock, log = m.log] {
    std::lock_guard lock(link->mu);
    if (link->incidents) {
      ExportIncidentMetrics(*link->incidents, self, clock.Now(), log, link->timelines);
    }
  });
}

void Pipeline::Start(server::SelfMetrics* self_metrics) {
  Impl& m = *impl_;
  if (m.started || !m.options.threads) return;
  m.started = true;
  m.alerting->Start();
  m.rules->Start();
  m.StartLease();
  if (m.remote_writer) m.remote_writer->Start();
  m.escalation_thread = std::jthread([&m](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (m.leading()) m.EscalateDue(m.clock.Now());
      m.clock.SleepUntil(m.clock.Now() + 1'000, stop);
    }
  });
  m.response_thread = std::jthread([&m](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (m.leading()) {
        std::lock_guard lock(m.response_mu);
        m.RespondStep(m.clock.Now());
      }
      m.clock.SleepUntil(m.clock.Now() + 1'000, stop);
    }
  });
  if (!m.settings.log_files.empty()) {
    m.tail_thread = std::jthread([&m](std::stop_token stop) {
      while (!stop.stop_requested()) {
        m.FollowLogFiles();
        m.clock.SleepUntil(m.clock.Now() + 1'000, stop);
      }
    });
  }
  m.StartScraping(self_metrics);
}

void Pipeline::Stop() {
  if (!impl_) return;
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.metrics_link->mu);
    m.metrics_link->incidents = nullptr;
  }
  if (m.scraping) m.scraping->Stop();  // first: its stale markers go to the store
  m.tail_thread = {};
  m.response_thread = {};
  m.escalation_thread = {};
  if (m.rules) m.rules->Stop();
  if (m.alerting) m.alerting->Stop();
  m.StopLease();  // a follower takes over as soon as this one stops
  if (m.remote_writer) m.remote_writer->Stop();
  m.started = false;
}

Result<void> Pipeline::Reload(const Settings& settings) {
  Impl& m = *impl_;
  std::vector<alerting::RuleGroup> groups;
  for (const std::string& f : settings.alerting.rule_files) {
    alerting::ParsedRules parsed = alerting::LoadRuleFile(f);
    if (!parsed.errors.empty()) return Fail(parsed.errors.front());
    for (auto& g : parsed.groups) groups.push_back(std::move(g));
  }
  auto set = m.LoadRunbooks(settings);
  if (!set) return Fail(set.error());
  std::lock_guard lock(m.response_mu);
  m.rules->Replace(std::move(groups));
  // Only what response_mu guards changes here: routing, incidents and
  // escalation settings are read by other threads and need a restart.
  m.settings.runbooks_dir = settings.runbooks_dir;
  m.settings.actions = settings.actions;
  m.settings.databases = settings.databases;
  m.settings.response = settings.response;
  m.settings.log_files = settings.log_files;
  m.runbooks = std::move(*set);
  // Runs in flight keep their runbook (each holds its own copy); the new
  // policy, actions and runbooks apply from the next decision on, and every
  // incident keeps its place in the response.
  m.site_actions->Replace(m.settings.actions);
  m.databases->Replace(m.settings.databases);
  m.responder->set_options(m.ResponderOptions());
  return {};
}

Result<void> Pipeline::Step(Timestamp now) {
  Impl& m = *impl_;
  m.rules->EvalDue(now);
  m.alerting->Step(now);
  m.alerting->DeliverDue(now);
  m.EscalateDue(now);
  if (m.pager) m.alerting->DeliverDue(now);  // the pages this turn queued
  std::lock_guard lock(m.response_mu);
  m.RespondStep(now);
  return {};
}

Result<void> Pipeline::AppendSamples(const std::vector<metrics::tsdb::LabeledSample>& batch) {
  auto r = impl_->db->Append(batch);
  if (!r) return Fail(r.error());
  if (r->accepted > 0) Appended(batch);
  return {};
}

void Pipeline::Appended(const std::vector<metrics::tsdb::LabeledSample>& batch) {
  std::set<std::string> names;
  for (const auto& s : batch) names.emplace(s.labels.Get(metrics::kMetricNameLabel));
  impl_->rules->NotifyAppended(names);
}

Clock& Pipeline::clock() { return impl_->clock; }
metrics::tsdb::Db& Pipeline::db() { return *impl_->db; }
const metrics::promql::Queryable& Pipeline::metrics() const { return impl_->storage->queryable(); }
logs::store::LogStore& Pipeline::logs() { return *impl_->log_store; }
changes::ChangeLog& Pipeline::changes() { return impl_->changes; }
incident::IncidentService& Pipeline::incidents() { return *impl_->incidents; }
const response::Responder& Pipeline::responder() const { return *impl_->responder; }

}  // namespace fw::pipeline
