#pragma once
// Notifier delivers notifications from the outbox: POSTs each body with
// Content-Type application/json, retries network errors, timeouts, 429 and
// 5xx with exponential backoff until delivered, and gives up only on other
// 4xx answers (the receiver refuses the payload; retrying cannot help), as
// Alertmanager does. An exec destination (receivers.h) runs its program
// with the body on stdin: exit 0 is delivered, another status or a timeout
// is retried, a program that cannot be started is given up. Send() returns once the delivery is
// durable in the outbox; deliveries left by a crash are sent after Start().

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>

#include "alerting/outbox.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"

namespace fw::alerting {

class Notifier {
 public:
  struct Options {
    Millis timeout{10'000};
    Millis backoff_initial{1'000};
    Millis backoff_max{300'000};
    // Replicas (docs/ha.md): deliveries are attempted only while this holds
    // (the leader); null: always.
    std::function<bool()> active{};
  };
  // Called after every attempt: delivered, or the error and whether it retries.
  // `error` is empty on a delivery, unless its transport left a note
  // (which provider took a page).
  using AttemptHook =
      std::function<void(const Delivery&, bool delivered, const std::string& error, bool retry)>;
  // Delivers what plain HTTP cannot (pages: notify/pager.h). Answers like an
  // HTTP status (2xx delivered; 0, 429, 5xx retried; else given up) and sets
  // `detail`: why it failed, or a note on a delivered one.
  using Transport = std::function<int(const Delivery&, std::string& detail)>;

  // REQUIRES: outbox and clock outlive the notifier; log may be null.
  Notifier(Outbox& outbox, Clock& clock, Logger* log, Options options, AttemptHook hook = nullptr);
  ~Notifier();

  // Deliveries whose url starts with `prefix` go to `t`.
  // REQUIRES: before Start() and before any DeliverDue().
  void SetTransport(std::string prefix, Transport t);
  void Start();
  void Stop();
  Result<void> Send(Delivery d);
  // One round on the caller's thread (Step-driven pipelines; the thread
  // calls it too): attempts every delivery due at `now`. Returns when to
  // look again. `wake` (optional) receives a token a later Send() stops.
  // `priority` >= 0: only the deliveries of that priority (a thread each).
  Timestamp DeliverDue(Timestamp now, std::stop_token stop = {}, std::stop_token* wake = nullptr,
                       int priority = -1);

  uint64_t delivered() const { return delivered_; }
  uint64_t failed_attempts() const { return failed_attempts_; }
  uint64_t dropped() const { return dropped_; }

 private:
  struct Retry {
    Timestamp next = 0;
    Millis backoff{0};
  };
  void Loop(std::stop_token stop, int priority);
  // Status code, or 0 with `error` set for a transport failure.
  int Post(const Delivery& d, std::string& error);
  int Exec(const Delivery& d, std::string& error);

  Outbox& outbox_;
  Clock& clock_;
  Logger* log_;
  Options options_;
  AttemptHook hook_;
  std::map<std::string, Transport> transports_;  // by url prefix
  std::mutex mu_;
  std::map<std::string, Retry> retries_;  // by delivery id; absent = due now
  std::stop_source wake_;
  std::atomic<uint64_t> delivered_{0}, failed_attempts_{0}, dropped_{0};
  std::jthread thread_;       // priority 1 (and everything else)
  std::jthread page_thread_;  // priority 0
};

}  // namespace fw::alerting
