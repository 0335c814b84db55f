#pragma once
// Evaluation of rule groups with Prometheus's semantics.
//
// A group's rules run in order at one timestamp; each rule's output is
// appended to the store before the next rule runs, so a rule may use a
// recording rule above it. Recording rules write their result under the
// recorded name. Alerting rules keep per-series state:
//
//   inactive --(expr returns the series)--> pending --(held for `for`)--> firing
//   pending --(series gone)--> dropped;  firing --(series gone for
//   keep_firing_for)--> resolved (kept 15 min so receivers hear "resolved")
//
// and write ALERTS{alertname, alertstate, ...} = 1 and ALERTS_FOR_STATE =
// active-since (Unix seconds) for every pending or firing alert. Series a
// group wrote at its last evaluation and not now get staleness markers.
// Alert labels are the result series' labels without __name__, plus the
// group's and the rule's labels (templated), plus alertname.
//
// Not thread-safe: one evaluator per group, driven by one scheduler.

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alerting/rule_file.h"
#include "common/labels.h"
#include "metrics/model.h"
#include "metrics/promql/storage.h"

namespace fw::alerting {

enum class AlertState { kInactive, kPending, kFiring };
const char* ToString(AlertState s);

struct Alert {
  LabelSet labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  AlertState state = AlertState::kInactive;
  double value = 0;
  Timestamp active_at = 0;    // first seen by the current episode
  Timestamp fired_at = 0;     // 0 until firing
  Timestamp resolved_at = 0;  // 0 while active
  Timestamp last_eval = 0;
  Timestamp keep_firing_since = 0;  // 0 unless firing on keep_firing_for
};

struct OutputSample {
  LabelSet labels;
  metrics::Sample sample;
};

// Where rules read and write: the metrics store.
class RuleStorage {
 public:
  virtual ~RuleStorage() = default;
  virtual const metrics::promql::Queryable& queryable() const = 0;
  virtual Result<void> Append(const std::vector<OutputSample>& samples) = 0;
};

// What one rule did at one evaluation.
struct RuleResult {
  std::string rule;
  std::string error;  // empty if it evaluated
  size_t samples = 0;
};

// An alert whose state changed at this evaluation (pending, firing,
// resolved): what the router and incidents act on.
struct AlertChange {
  std::string rule;
  Alert alert;
};

struct GroupResult {
  Timestamp at = 0;
  std::vector<RuleResult> rules;
  std::vector<AlertChange> changes;
};

class GroupEvaluator {
 public:
  // default_interval applies when the group sets none.
  GroupEvaluator(RuleGroup group, Millis default_interval);

  const RuleGroup& group() const { return group_; }
  Millis interval() const { return interval_; }

  // Evaluates every rule at `at` (ms); query offset applied. Each rule's
  // query may take `query_timeout` of wall time (0: no limit); one that takes
  // longer fails with "query timed out in expression evaluation" (the rule's
  // health is err, its alerts keep their state) and the next rule runs.
  GroupResult Eval(RuleStorage& storage, Timestamp at, Millis query_timeout = Millis(0));

  // Alerts of one rule (by index) that are pending, firing, or recently resolved.
  std::vector<Alert> Alerts(size_t rule_index) const;

 private:
  struct AlertRuleState {
    std::unordered_map<LabelSet, Alert, LabelSetHash> active;
  };

  RuleResult EvalRecording(const Rule& rule, RuleStorage& storage, Timestamp at,
                           std::vector<OutputSample>& out);
  RuleResult EvalAlerting(const Rule& rule, AlertRuleState& state, RuleStorage& storage,
                          Timestamp at, std::vector<OutputSample>& out,
                          std::vector<AlertChange>& changes);

  RuleGroup group_;
  Millis interval_;
  Millis query_timeout_{0};             // of the evaluation running
  std::vector<AlertRuleState> states_;  // by rule index
  std::unordered_set<LabelSet, LabelSetHash> written_last_;
};

}  // namespace fw::alerting
