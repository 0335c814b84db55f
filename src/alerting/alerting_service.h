#pragma once
// AlertingService joins the alerting stage together: alert changes from
// rule evaluation and alerts from outside (Alertmanager / PagerDuty intake)
// go into the router; a dispatcher thread flushes the router when a group
// is due and hands each notification to the observers (incidents) and,
// as Alertmanager v4 webhook payloads, to the durable notifier. Only firing
// and resolved alerts are routed, as Prometheus sends them; pending ones
// stay in the rule manager. Thread-safe.
//
// Storms and pages: with Start(), each flushed notification is handed to a
// dispatch lane by NotificationPriority: pages (critical alerts) to one,
// the rest to another, each a thread running the observers (incidents) and
// then queuing the deliveries. So the flush loop never waits for a storm's
// incident work, and a page never waits behind a storm's notification.
// Without Start() (Step-driven pipelines) Step dispatches inline, pages
// first.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "alerting/notification_log.h"
#include "alerting/notifier.h"
#include "alerting/router.h"
#include "alerting/rule_eval.h"

namespace fw::alerting {

class AlertingService {
 public:
  struct Options {
    std::string external_url = "http://127.0.0.1:9400";
    Notifier::Options delivery;
    // Every delivery attempt's outcome (e.g. onto incident timelines); runs
    // on the notifier's thread.
    Notifier::AttemptHook on_attempt;
    // The NotificationLog's file (DATA/nflog): groups that sent before a
    // restart do not send the same alerts again. "": none.
    std::string notification_log;
    // Replicas (docs/ha.md): groups are flushed only while this holds (the
    // leader), and each notification sent is also recorded through
    // record_sent (shared with the other replicas); null: always / none.
    std::function<bool()> active{};
    std::function<void(const std::string& group_key, uint64_t digest, Timestamp at)> record_sent{};
    // Replicas: each silence made or expired here is saved through this
    // (shared), under an id unique across replicas; ReplaceSilences brings
    // in what the others made. Null: silences stay in this process.
    std::function<Result<void>(const Silence&)> save_silence{};
  };
  using Observer = std::function<void(const Notification&)>;

  // REQUIRES: outbox and clock outlive the service; log may be null.
  AlertingService(RoutingConfig routing, Outbox& outbox, Clock& clock, Logger* log,
                  Options options);
  ~AlertingService();

  void Start();
  void Stop();
  // Called for every notification before it is delivered (incidents).
  void AddObserver(Observer o);

  // One turn on the caller's thread (Step-driven pipelines; the thread
  // calls it too): flushes the groups due at `now` to the observers and the
  // outbox. Returns when a group falls due next. `wake` (optional) receives
  // a token that a Put making a group due sooner stops.
  Timestamp Step(Timestamp now, std::stop_token* wake = nullptr);
  // Attempts the deliveries due at `now` on the caller's thread.
  Timestamp DeliverDue(Timestamp now);

  // The rule manager's sink.
  void OnRuleResult(const GroupResult& r);
  // Intake: alerts from an Alertmanager payload or PagerDuty events.
  void Put(const std::vector<RoutedAlert>& alerts);
  // A replica that becomes the leader: what its predecessors sent (so the
  // router does not send it again), before the alerts replayed with Put.
  void RestoreSent(std::map<std::string, std::pair<uint64_t, Timestamp>> sent);

  Result<std::string> AddSilence(Silence s);
  void ReplaceSilences(std::vector<Silence> all);
  bool ExpireSilence(const std::string& id);
  std::vector<Silence> Silences() const;
  Explanation Explain(const LabelSet& labels) const;
  // The configured time intervals (maintenance windows) and whether each
  // holds now.
  std::vector<std::pair<std::string, bool>> TimeIntervals() const;
  std::vector<std::pair<RoutedAlert, Explanation>> Alerts() const;

  const Notifier& notifier() const { return notifier_; }
  // For Notifier::SetTransport and Send (pages), before Start().
  Notifier& notifier() { return notifier_; }

 private:
  void Loop(std::stop_token stop);
  void Wake();
  // Observers, then deliveries, for one notification.
  void Dispatch(const Notification& n);
  struct Lane {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Notification> queue;
    bool stopping = false;
    std::thread thread;
  };
  void RunLane(Lane& lane);
  void StopLanes();

  Clock& clock_;
  Logger* log_;
  Options options_;
  mutable std::mutex mu_;  // guards router_, observers_, wake_
  Router router_;
  std::vector<Observer> observers_;
  Notifier notifier_;
  std::unique_ptr<NotificationLog> sent_log_;  // may be null
  std::stop_source wake_;
  // When the loop means to flush next; a Put that makes a group due sooner
  // wakes it, others (most of a busy intake) do not.
  Timestamp planned_flush_ = 0;
  Lane lanes_[2];  // by NotificationPriority
  bool lanes_running_ = false;
  std::jthread thread_;
};

}  // namespace fw::alerting
