#include "alerting/alerting_service.h"

#include <exception>

#include "alerting/receivers.h"
#include "alerting/webhook.h"

namespace fw::alerting {

AlertingService::AlertingService(RoutingConfig routing, Outbox& outbox, Clock& clock, Logger* log,
                                 Options options)
    : clock_(clock),
      log_(log),
      options_(std::move(options)),
      router_(std::move(routing)),
      notifier_(outbox, clock, log, options_.delivery, options_.on_attempt) {}

AlertingService::~AlertingService() { Stop(); }

void AlertingService::Start() {
  notifier_.Start();
  if (!thread_.joinable()) thread_ = std::jthread([this](std::stop_token s) { Loop(s); });
}

void AlertingService::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    Wake();
    thread_.join();
  }
  notifier_.Stop();
}

void AlertingService::AddObserver(Observer o) {
  std::lock_guard lock(mu_);
  observers_.push_back(std::move(o));
}

void AlertingService::Wake() {
  std::lock_guard lock(mu_);
  wake_.request_stop();
}

void AlertingService::OnRuleResult(const GroupResult& r) {
  std::vector<RoutedAlert> routed;
  for (const AlertChange& c : r.changes) {
    if (c.alert.state == AlertState::kPending) continue;
    const bool resolved = c.alert.state == AlertState::kInactive;
    routed.push_back({c.alert.labels, c.alert.annotations, c.alert.active_at,
                      resolved ? c.alert.resolved_at : 0, options_.external_url + "/alerts"});
  }
  if (!routed.empty()) Put(routed);
}

void AlertingService::Put(const std::vector<RoutedAlert>& alerts) {
  {
    std::lock_guard lock(mu_);
    const Timestamp now = clock_.Now();
    bool sooner = false;
    for (const RoutedAlert& a : alerts) {
      const std::optional<Timestamp> due = router_.Put(a, now);
      sooner = sooner || (due && *due < planned_flush_);
    }
    if (sooner) wake_.request_stop();
  }
}

Result<std::string> AlertingService::AddSilence(Silence s) {
  std::lock_guard lock(mu_);
  auto id = router_.AddSilence(std::move(s), clock_.Now());
  wake_.request_stop();
  return id;
}

bool AlertingService::ExpireSilence(const std::string& id) {
  std::lock_guard lock(mu_);
  wake_.request_stop();
  return router_.ExpireSilence(id, clock_.Now());
}

std::vector<Silence> AlertingService::Silences() const {
  std::lock_guard lock(mu_);
  return router_.Silences();
}

Explanation AlertingService::Explain(const LabelSet& labels) const {
  std::lock_guard lock(mu_);
  return router_.Explain(labels, clock_.Now());
}

std::vector<std::pair<std::string, bool>> AlertingService::TimeIntervals() const {
  std::vector<std::pair<std::string, bool>> out;
  const Timestamp now = clock_.Now();
  for (const NamedTimeInterval& t : router_.config().time_intervals) {
    out.push_back({t.name, t.Contains(now)});
  }
  return out;
}

std::vector<std::pair<RoutedAlert, Explanation>> AlertingService::Alerts() const {
  std::lock_guard lock(mu_);
  return router_.Snapshot(clock_.Now());
}

Timestamp AlertingService::Step(Timestamp now, std::stop_token* wake) {
  std::vector<Notification> out;
  std::vector<Observer> observers;
  Timestamp wake_at;
  {
    std::lock_guard lock(mu_);
    if (wake) {
      if (wake_.stop_requested()) wake_ = std::stop_source();
      *wake = wake_.get_token();
    }
    out = router_.Flush(now);
    observers = observers_;
    wake_at = router_.NextFlush().value_or(now + 60'000);
    planned_flush_ = wake_at;
  }
  for (const Notification& n : out) {
    for (const Observer& o : observers) {
      // Observers (the incident service) run on this loop's thread: an
      // exception from one is logged, never allowed to end the process.
      try {
        o(n);
      } catch (const std::exception& ex) {
        if (log_) log_->Error("notification observer failed", {{"error", ex.what()}});
      } catch (...) {
        if (log_) log_->Error("notification observer failed", {{"error", "unknown exception"}});
      }
    }
    const Receiver* receiver = router_.config().FindReceiver(n.receiver);
    if (!receiver) continue;
    for (Delivery& d : DeliveriesFor(n, *receiver, options_.external_url)) {
      if (auto ok = notifier_.Send(std::move(d)); !ok && log_) {
        log_->Error("cannot queue notification",
                    {{"receiver", n.receiver}, {"error", ok.error().ToString()}});
      }
    }
  }
  return out.empty() ? wake_at : now;
}

Timestamp AlertingService::DeliverDue(Timestamp now) { return notifier_.DeliverDue(now); }

void AlertingService::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::stop_token token;
    const Timestamp now = clock_.Now();
    const Timestamp wake_at = Step(now, &token);
    if (wake_at <= now) continue;
    std::stop_callback forward(stop, [this] { Wake(); });
    clock_.SleepUntil(wake_at, token);
  }
}

}  // namespace fw::alerting
