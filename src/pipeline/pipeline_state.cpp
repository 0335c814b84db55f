// Where the pipeline keeps incidents: SQLite under the data directory, or
// the PostgreSQL of `state:` shared by replicas (docs/ha.md).

#include <nlohmann/json.hpp>

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {

Result<void> Pipeline::Impl::OpenStore() {
  const pg::StateSettings& state = settings.state;
  if (!state.postgres) {
    auto opened = incident::SqliteStore::Open(options.data_dir + "/incidents.db");
    if (!opened) return Fail(opened.error());
    store = std::move(*opened);
    return {};
  }
  incident::PgStoreOptions o;
  o.connect = state.connect;
  // The leader's writes are fenced by its epoch; a follower's (people's API
  // writes) are not, since they do not depend on leading.
  o.fence = [this]() -> std::optional<int64_t> {
    const int64_t e = leader_epoch.load();
    if (e > 0) return e;
    return std::nullopt;
  };
  auto opened = incident::PgStore::Open(std::move(o));
  if (!opened) return Fail(opened.error().WithContext("state.postgres"));
  store = std::move(*opened);
  if (log) log->Info("incident store", {{"backend", "postgres"}, {"schema", state.connect.schema}});
  return {};
}

}  // namespace fw::pipeline

namespace fw::pipeline {
namespace {

// Intake on a replica: committed to the shared table before the sender's
// answer; the leader routes it from there (LeaseTurn).
class SharedIntakeSink final : public alerting::IntakeSink {
 public:
  SharedIntakeSink(alerting::PgAlertIntake& intake, Clock& clock)
      : intake_(intake), clock_(clock) {}
  Result<void> Append(const std::vector<alerting::RoutedAlert>& alerts) override {
    return intake_.Append(alerts, clock_.Now());
  }
  bool routed_elsewhere() const override { return true; }

 private:
  alerting::PgAlertIntake& intake_;
  Clock& clock_;
};

constexpr Millis kKeepResolved{3'600'000};       // as the file journal keeps them
constexpr Millis kSentMaxAge{7 * 86'400'000LL};  // as the notification log keeps them
constexpr Timestamp kIntakePoll = 200;           // ms between reads of the shared intake
constexpr Timestamp kSilenceSync = 1000;         // ms between reads of the shared silences

}  // namespace

Result<void> Pipeline::Impl::OpenShared() {
  const pg::StateSettings& state = settings.state;
  leader_epoch = 0;  // a follower until the lease says otherwise
  auto box = alerting::PgOutbox::Open(state.connect, [this]() -> std::optional<int64_t> {
    const int64_t e = leader_epoch.load();
    if (e > 0) return e;
    return std::nullopt;
  });
  if (!box) return Fail(box.error().WithContext("state.postgres"));
  outbox = std::move(*box);
  auto intake = alerting::PgAlertIntake::Open(state.connect);
  if (!intake) return Fail(intake.error().WithContext("state.postgres"));
  shared_intake = std::move(*intake);
  journal = std::make_unique<SharedIntakeSink>(*shared_intake, clock);
  pg::ConnectOptions lease_options = state.connect;
  lease_options.application_name = "firewatch lease";
  // The lease's statements must end well within the lease itself.
  lease_options.timeout = std::min(lease_options.timeout, state.lease / 3);
  auto conn = pg::PgConnection::Open(lease_options);
  if (!conn) return Fail(conn.error().WithContext("state.postgres"));
  lease_conn = std::move(*conn);
  lease = std::make_unique<pg::LeaderLease>("leader", pg::MakeHolderId(), state.lease);
  return {};
}

void Pipeline::Impl::StartLease() {
  if (!lease) return;
  lease_thread = std::jthread([this](std::stop_token stop) {
    int64_t intake_cursor = 0;
    Timestamp renewed_at = 0, next_renew = 0;
    while (!stop.stop_requested()) {
      LeaseTurn(intake_cursor, renewed_at, next_renew);
      clock.SleepUntil(clock.Now() + kIntakePoll, stop);
    }
  });
}

void Pipeline::Impl::StopLease() {
  if (!lease) return;
  lease_thread = {};
  if (leader_epoch.exchange(0) > 0) (void)lease->Release(*lease_conn);
}

// Renews (a quarter of the lease apart), steps down when the lease may have
// run out unrenewed, takes over when it is won, and while leading routes
// what any replica took in.
void Pipeline::Impl::LeaseTurn(int64_t& intake_cursor, Timestamp& renewed_at,
                               Timestamp& next_renew) {
  const Timestamp now = clock.Now();
  const int64_t ttl = lease->ttl().count();
  if (now >= next_renew) {
    next_renew = now + ttl / 4;
    auto state = lease->TryAcquire(*lease_conn);
    if (!state) {
      if (log) log->Warn("cannot renew the leader lease", {{"error", state.error().message()}});
    } else if (state->leader) {
      renewed_at = now;
      if (leader_epoch.load() != state->epoch) TakeOver(state->epoch, intake_cursor);
    } else if (leader_epoch.exchange(0) > 0 && log) {
      log->Warn("lost the leader lease", {{"leader", state->holder}});
    }
    // Unrenewed for three quarters of the lease: another replica may take
    // over soon, so stop acting before it can.
    if (leader_epoch.load() > 0 && now - renewed_at > ttl * 3 / 4) {
      leader_epoch = 0;
      if (log) log->Warn("stepping down: the leader lease could not be renewed", {});
    }
  }
  // Every replica keeps the shared silences, so any of them answers for
  // them and a new leader routes with them from its first flush.
  if (now >= next_silence_sync) {
    next_silence_sync = now + kSilenceSync;
    if (auto silences = shared_intake->Silences(now, kKeepResolved); silences) {
      alerting->ReplaceSilences(std::move(*silences));
    } else if (log) {
      log->Warn("cannot read the shared silences", {{"error", silences.error().message()}});
    }
  }
  if (!leading()) return;
  auto read = shared_intake->Since(intake_cursor);
  if (!read) {
    if (log) log->Warn("cannot read the shared intake", {{"error", read.error().message()}});
    return;
  }
  intake_cursor = read->second;
  if (!read->first.empty()) alerting->Put(read->first);
}

// Becoming the leader: what the predecessor sent, then the alerts still
// live, so the router goes on where it left off rather than sending again.
void Pipeline::Impl::TakeOver(int64_t epoch, int64_t& intake_cursor) {
  const Timestamp now = clock.Now();
  auto sent = shared_intake->Sent(now, kSentMaxAge);
  auto replay = shared_intake->Replay(now, kKeepResolved);
  if (!sent || !replay) {
    if (log) {
      log->Warn("cannot take over yet",
                {{"error", (!sent ? sent.error() : replay.error()).message()}});
    }
    (void)lease->Release(*lease_conn);  // let another replica try
    return;
  }
  alerting->RestoreSent(std::move(*sent));
  alerting->Put(replay->first);
  ResumeEscalations();
  intake_cursor = replay->second;
  leader_epoch = epoch;
  if (log) {
    log->Info("leading", {{"epoch", std::to_string(epoch)},
                          {"alerts_replayed", std::to_string(replay->first.size())}});
  }
}

void Pipeline::Impl::ResumeEscalations() {
  const AlertingSettings& a = settings.alerting;
  if (a.escalation_policy.empty()) return;
  const incident::EscalationPolicy* policy = a.oncall.FindPolicy(a.escalation_policy);
  if (!policy) return;
  auto open = incidents->List({.state = incident::State::kTriggered});
  if (!open) {
    if (log) log->Warn("cannot resume escalations", {{"error", open.error().message()}});
    return;
  }
  for (const incident::Incident& inc : *open) {
    auto timeline = store->Timeline(inc.id);
    if (!timeline) continue;
    size_t pages = 0;
    for (const incident::TimelineEntry& e : *timeline) {
      if (e.kind == incident::EntryKind::kNotificationSent &&
          e.details.find("\"receiver\":\"escalation\"") != std::string::npos) {
        ++pages;
      }
    }
    std::lock_guard lock(escalation_mu);
    if (!escalated.insert(inc.id).second) continue;
    escalations.try_emplace(inc.id, *policy, a.oncall, inc.created_at);
    pages_sent_before[inc.id] = pages;
  }
}

}  // namespace fw::pipeline

namespace fw::pipeline {

void RegisterStateApi(server::HttpServer& http, Pipeline::Impl& p) {
  // For a load balancer's health check (as Patroni's /primary): 200 on the
  // replica that leads, 503 on the others; says nothing else.
  http.HandlePublic("GET", "/leaderz", [&p](const server::Request&) {
    return p.leading() ? server::Response::Text(200, "leader\n")
                       : server::Response::Text(503, "follower\n");
  });
  http.Handle("GET", "/api/v1/state", server::Role::kViewer, [&p](const server::Request&) {
    nlohmann::json body = {{"backend", p.settings.state.postgres ? "postgres" : "sqlite"},
                           {"leader", p.leading()},
                           {"epoch", p.leader_epoch.load()}};
    if (p.lease) {
      body["holder"] = p.lease->holder();
      body["lease_ms"] = p.lease->ttl().count();
    }
    return server::Response::Json(200, body.dump());
  });
}

}  // namespace fw::pipeline
