#include "alerting/alerting_service.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <random>

#include "alerting/receivers.h"
#include "alerting/webhook.h"

namespace fw::alerting {
namespace {

// Unique across replicas without asking anyone: 64 random bits.
std::string RandomSilenceId() {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) | rd();
  char id[24];
  snprintf(id, sizeof id, "s-%016llx", static_cast<unsigned long long>(r));
  return id;
}

}  // namespace

AlertingService::AlertingService(RoutingConfig routing, Outbox& outbox, Clock& clock, Logger* log,
                                 Options options)
    : clock_(clock),
      log_(log),
      options_(std::move(options)),
      router_(std::move(routing)),
      notifier_(outbox, clock, log, options_.delivery, options_.on_attempt) {
  if (options_.notification_log.empty()) return;
  auto opened = NotificationLog::Open(options_.notification_log, clock_.Now());
  if (!opened) {
    // Without it a restart may notify again what was sent: logged, not fatal.
    if (log_)
      log_->Error("cannot open the notification log", {{"error", opened.error().ToString()}});
    return;
  }
  sent_log_ = std::move(*opened);
  router_.RestoreSent(sent_log_->entries());
}

AlertingService::~AlertingService() { Stop(); }

void AlertingService::Start() {
  notifier_.Start();
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    lanes_running_ = true;
  }
  for (Lane& lane : lanes_) lane.thread = std::thread([this, &lane] { RunLane(lane); });
  thread_ = std::jthread([this](std::stop_token s) { Loop(s); });
}

void AlertingService::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    Wake();
    thread_.join();
  }
  StopLanes();
  notifier_.Stop();
}

// What is queued is dispatched before the lanes end: the router counts it
// as told.
void AlertingService::StopLanes() {
  for (Lane& lane : lanes_) {
    {
      std::lock_guard lock(lane.mu);
      lane.stopping = true;
    }
    lane.cv.notify_all();
    if (lane.thread.joinable()) lane.thread.join();
  }
  std::lock_guard lock(mu_);
  lanes_running_ = false;
}

void AlertingService::RunLane(Lane& lane) {
  for (;;) {
    Notification n;
    {
      std::unique_lock lock(lane.mu);
      lane.cv.wait(lock, [&] { return lane.stopping || !lane.queue.empty(); });
      if (lane.queue.empty()) return;  // stopping, and nothing left
      n = std::move(lane.queue.front());
      lane.queue.pop_front();
    }
    Dispatch(n);
  }
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

void AlertingService::RestoreSent(std::map<std::string, std::pair<uint64_t, Timestamp>> sent) {
  std::lock_guard lock(mu_);
  router_.RestoreSent(std::move(sent));
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
  if (options_.save_silence && s.id.empty()) s.id = RandomSilenceId();
  auto id = router_.AddSilence(s, clock_.Now());
  if (id && options_.save_silence) {
    s.id = *id;
    if (s.starts_at == 0) s.starts_at = clock_.Now();
    if (auto saved = options_.save_silence(s); !saved) {
      router_.ExpireSilence(*id, clock_.Now());
      return Fail(saved.error().WithContext("saving the silence"));
    }
  }
  wake_.request_stop();
  return id;
}

bool AlertingService::ExpireSilence(const std::string& id) {
  std::lock_guard lock(mu_);
  wake_.request_stop();
  if (!router_.ExpireSilence(id, clock_.Now())) return false;
  if (options_.save_silence) {
    for (const Silence& s : router_.Silences()) {
      if (s.id == id && !options_.save_silence(s) && log_) {
        log_->Warn("cannot save an expired silence", {{"silence", id}});
      }
    }
  }
  return true;
}

void AlertingService::ReplaceSilences(std::vector<Silence> all) {
  std::lock_guard lock(mu_);
  router_.ReplaceSilences(std::move(all));
  wake_.request_stop();
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
  Timestamp wake_at;
  bool lanes = false;
  {
    std::lock_guard lock(mu_);
    if (wake) {
      if (wake_.stop_requested()) wake_ = std::stop_source();
      *wake = wake_.get_token();
    }
    out = router_.Flush(now);
    wake_at = router_.NextFlush().value_or(now + 60'000);
    planned_flush_ = wake_at;
    lanes = lanes_running_;
  }
  // Pages first (inline), or each to its lane.
  std::stable_sort(out.begin(), out.end(), [](const Notification& a, const Notification& b) {
    return NotificationPriority(a) < NotificationPriority(b);
  });
  const bool any = !out.empty();
  for (Notification& n : out) {
    if (!lanes) {
      Dispatch(n);
      continue;
    }
    Lane& lane = lanes_[NotificationPriority(n) == 0 ? 0 : 1];
    {
      std::lock_guard lock(lane.mu);
      lane.queue.push_back(std::move(n));
    }
    lane.cv.notify_one();
  }
  return any ? now : wake_at;
}

void AlertingService::Dispatch(const Notification& n) {
  std::vector<Observer> observers;
  {
    std::lock_guard lock(mu_);
    observers = observers_;
  }
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
  if (!receiver) return;
  bool queued = true;
  for (Delivery& d : DeliveriesFor(n, *receiver, options_.external_url)) {
    if (auto ok = notifier_.Send(std::move(d)); !ok) {
      queued = false;
      if (log_) {
        log_->Error("cannot queue notification",
                    {{"receiver", n.receiver}, {"error", ok.error().ToString()}});
      }
    }
  }
  // In the outbox now (delivered even after a crash): a restart need not
  // send it again.
  if (queued && sent_log_) (void)sent_log_->Record(n.group_key, n.digest, n.at);
  if (queued && options_.record_sent) options_.record_sent(n.group_key, n.digest, n.at);
}

Timestamp AlertingService::DeliverDue(Timestamp now) { return notifier_.DeliverDue(now); }

void AlertingService::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::stop_token token;
    const Timestamp now = clock_.Now();
    if (options_.active && !options_.active()) {  // a follower: look again shortly
      clock_.SleepUntil(now + 500, stop);
      continue;
    }
    const Timestamp wake_at = Step(now, &token);
    if (wake_at <= now) continue;
    std::stop_callback forward(stop, [this] { Wake(); });
    clock_.SleepUntil(wake_at, token);
  }
}

}  // namespace fw::alerting
