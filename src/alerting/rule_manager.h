#pragma once
// RuleManager runs rule groups on the Clock, the way Prometheus's rule
// manager does, with one addition: detection latency is not bounded by the
// evaluation interval. Each group is evaluated
//  - every interval, at a fixed offset derived from its name (groups spread
//    out and keep their phase across restarts), and
//  - as soon as samples arrive for a metric one of its rules reads
//    (NotifyAppended, called by ingestion after samples are stored), at most
//    once per `min_early_gap` (scheduled evaluations do not count, so one
//    just before new samples arrive never delays looking at them).
// Alert state changes go to the sink (the router, incidents) in evaluation
// order. Status() and Alerts() give thread-safe snapshots for the API.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "alerting/rule_eval.h"
#include "common/clock.h"

namespace fw::alerting {

struct GroupStatus {
  std::string name, file;
  Millis interval{0};
  Timestamp last_eval = 0;
  int64_t last_duration_us = 0;
  uint64_t evaluations = 0, early_evaluations = 0;
  std::vector<RuleResult> rules;  // of the last evaluation
};

struct RuleAlerts {
  std::string group;
  const Rule* rule = nullptr;  // valid while the manager lives
  std::vector<Alert> alerts;   // pending, firing, recently resolved
};

class RuleManager {
 public:
  using AlertSink = std::function<void(const GroupResult&)>;
  struct Options {
    Millis default_interval{60'000};
    Millis min_early_gap{1'000};
    // Wall time one rule's query may take: the group's interval, and at most
    // this (serve passes --query.timeout); 0: the interval alone. Groups are
    // evaluated in turn on one thread, so a slow rule holds up the others by
    // at most this long, and then fails (rule health "err").
    Millis query_timeout{0};
    // Replicas (docs/ha.md): rules are evaluated only while this holds (the
    // leader); null: always.
    std::function<bool()> active{};
  };

  // REQUIRES: storage and clock outlive the manager.
  RuleManager(std::vector<RuleGroup> groups, RuleStorage& storage, Clock& clock, AlertSink sink,
              Options options);
  ~RuleManager();  // stops

  void Start();
  void Stop();

  // Swaps in new rule groups (config reload). Their alerts start afresh, as
  // after a restart; an evaluation in flight finishes on the old group.
  void Replace(std::vector<RuleGroup> groups);

  // Metric names of samples just stored. Cheap; never blocks on evaluation.
  void NotifyAppended(const std::set<std::string>& metric_names);

  // Evaluates every group at `at` on the caller's thread (tests).
  void EvalAllNow(Timestamp at);
  // One deterministic turn on the caller's thread (Step-driven pipelines):
  // evaluates the groups whose interval came round and those with new
  // samples for a metric they read (no early-evaluation gap).
  void EvalDue(Timestamp now);

  std::vector<GroupStatus> Status() const;
  std::vector<RuleAlerts> Alerts() const;

 private:
  struct Entry;
  void Loop(std::stop_token stop);
  void EvalGroup(Entry& e, Timestamp at, bool early);
  std::shared_ptr<Entry> MakeEntry(RuleGroup g, Timestamp now) const;
  Timestamp NextScheduled(const Entry& e, Timestamp after) const;

  RuleStorage& storage_;
  Clock& clock_;
  AlertSink sink_;
  Options options_;
  mutable std::mutex mu_;  // guards entries_' state and dirty flags
  std::vector<std::shared_ptr<Entry>> entries_;
  std::stop_source wake_;  // requested to cut a sleep short
  std::jthread thread_;
};

// Metric names an expression reads; "*" when a selector has no fixed name.
std::set<std::string> MetricNamesOf(const metrics::promql::Expr& e);

}  // namespace fw::alerting
