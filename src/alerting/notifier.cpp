#include "alerting/notifier.h"

#include <httplib.h>

#include <algorithm>
#include <exception>

#include "alerting/receivers.h"
#include "common/command.h"

namespace fw::alerting {

Notifier::Notifier(Outbox& outbox, Clock& clock, Logger* log, Options options, AttemptHook hook)
    : outbox_(outbox), clock_(clock), log_(log), options_(options), hook_(std::move(hook)) {}

Notifier::~Notifier() { Stop(); }

void Notifier::SetTransport(std::string prefix, Transport t) {
  transports_[std::move(prefix)] = std::move(t);
}

void Notifier::Start() {
  if (thread_.joinable()) return;
  page_thread_ = std::jthread([this](std::stop_token stop) { Loop(stop, 0); });
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop, 1); });
}

void Notifier::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  page_thread_.request_stop();
  {
    std::lock_guard lock(mu_);
    wake_.request_stop();
  }
  thread_.join();
  page_thread_.join();
}

Result<void> Notifier::Send(Delivery d) {
  d.created = clock_.Now();
  auto id = outbox_.Enqueue(std::move(d));
  if (!id) return Fail(id.error());
  std::lock_guard lock(mu_);
  wake_.request_stop();
  return {};
}

int Notifier::Post(const Delivery& d, std::string& error) {
  if (IsExecUrl(d.url)) return Exec(d, error);
  for (const auto& [prefix, transport] : transports_) {
    if (d.url.starts_with(prefix)) return transport(d, error);
  }
  const size_t scheme = d.url.find("://");
  const size_t path_at = scheme == std::string::npos ? 0 : d.url.find('/', scheme + 3);
  const std::string host = d.url.substr(0, path_at);
  const std::string path = path_at == std::string::npos ? "/" : d.url.substr(path_at);
  httplib::Client client(host);
  const auto secs = options_.timeout.count() / 1000, usecs = options_.timeout.count() % 1000 * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  auto res = client.Post(path, d.body, "application/json");
  if (!res) {
    error = httplib::to_string(res.error());
    return 0;
  }
  if (res->status / 100 != 2) error = "HTTP " + std::to_string(res->status);
  return res->status;
}

// An exec receiver, as an HTTP-like status: 200 when the program exited 0,
// 500 (retried) on another status or a timeout, 400 (dropped) when it cannot
// be run at all.
int Notifier::Exec(const Delivery& d, std::string& error) {
  auto target = ParseExecUrl(d.url);
  if (!target) {
    error = target.error().message();
    return 400;
  }
  auto run = RunCommand(target->argv, target->timeout, clock_, d.body);
  if (!run) {
    error = run.error().message();
    return 400;
  }
  if (run->exit_code == 0) return 200;
  error = run->timed_out ? "timed out after " + FormatDuration(target->timeout)
                         : "exit status " + std::to_string(run->exit_code);
  if (!run->output.empty()) error += ": " + run->output.substr(0, 200);
  return 500;
}

Timestamp Notifier::DeliverDue(Timestamp now, std::stop_token stop, std::stop_token* wake,
                               int priority) {
  Timestamp wake_at = now + 60'000;
  std::vector<Delivery> due;
  {
    std::lock_guard lock(mu_);
    if (wake) {
      if (wake_.stop_requested()) wake_ = std::stop_source();
      *wake = wake_.get_token();
    }
    for (Delivery& d : outbox_.Pending(priority == 0 ? 0 : -1)) {
      if (priority > 0 && d.priority == 0) continue;  // the page thread's
      auto r = retries_.find(d.id);
      if (r == retries_.end() || r->second.next <= now) {
        due.push_back(std::move(d));
      } else {
        wake_at = std::min(wake_at, r->second.next);
      }
    }
  }
  // Pages first, then oldest first.
  std::stable_sort(due.begin(), due.end(),
                   [](const Delivery& a, const Delivery& b) { return a.priority < b.priority; });
  for (const Delivery& d : due) {
    if (stop.stop_requested()) return now;
    if (priority < 0 && wake && wake->stop_requested()) return now;  // something new: look again
    // Replicas share one outbox: only the one that claims it sends it.
    auto claimed = outbox_.Claim(d, options_.timeout * 2 + Millis(5'000));
    if (!claimed || !*claimed) {
      if (!claimed && log_) {
        log_->Warn("cannot claim a notification", {{"error", claimed.error().message()}});
      }
      continue;
    }
    std::string error;
    int status = 0;  // an exception counts as a failed attempt, retried
    try {
      status = Post(d, error);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    const bool ok = status / 100 == 2;
    const bool retry = !ok && (status == 0 || status == 429 || status >= 500);
    if (ok || !retry) {
      (void)outbox_.Done(d.id);
      std::lock_guard lock(mu_);
      retries_.erase(d.id);
    } else {
      std::lock_guard lock(mu_);
      Retry& r = retries_[d.id];
      r.backoff = std::min(options_.backoff_max,
                           r.backoff.count() ? r.backoff * 2 : options_.backoff_initial);
      r.next = clock_.Now() + r.backoff.count();
      wake_at = std::min(wake_at, r.next);
    }
    if (ok) {
      ++delivered_;
    } else {
      ++failed_attempts_;
      if (!retry) ++dropped_;
      if (log_) {
        log_->Warn("notification delivery failed", {{"receiver", d.receiver},
                                                    {"url", d.url},
                                                    {"error", error},
                                                    {"retry", retry ? "true" : "false"}});
      }
    }
    if (hook_) hook_(d, ok, error, retry);
  }
  // Something was sent: look again at once (more may have been queued).
  return due.empty() ? wake_at : now;
}

void Notifier::Loop(std::stop_token stop, int priority) {
  while (!stop.stop_requested()) {
    std::stop_token token;
    const Timestamp now = clock_.Now();
    if (options_.active && !options_.active()) {  // a follower: look again shortly
      clock_.SleepUntil(now + 500, stop);
      continue;
    }
    const Timestamp wake_at = DeliverDue(now, stop, &token, priority);
    if (wake_at > now) {
      std::stop_callback forward(stop, [this] {
        std::lock_guard lock(mu_);
        wake_.request_stop();
      });
      clock_.SleepUntil(wake_at, token);
    }
  }
}

}  // namespace fw::alerting
