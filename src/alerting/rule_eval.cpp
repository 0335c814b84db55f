#include "alerting/rule_eval.h"

#include "common/text.h"
#include "metrics/promql/engine.h"

namespace fw::alerting {
namespace {

// Resolved alerts stay listed this long, as in Prometheus, so that receivers
// polling or re-sent notifications still see "resolved".
constexpr Timestamp kResolvedRetentionMs = 15 * 60 * 1000;

// The query's answer as elements (a scalar is one element without labels).
// `timeout` > 0: wall time the query may take (kTimeout after it), whatever
// clock the rules run on (a simulated one included).
Result<metrics::promql::Vector> Query(const Rule& rule, const RuleStorage& storage, Timestamp t,
                                      Millis timeout) {
  metrics::promql::EngineOptions options;
  static const RealClock wall;
  if (timeout.count() > 0) {
    options.clock = &wall;
    options.deadline = wall.Now() + timeout.count();
  }
  auto r = metrics::promql::InstantQuery(storage.queryable(), *rule.expr, t, options);
  if (!r) return Fail(r.error());
  if (r->value.type == metrics::promql::ValueType::kScalar) {
    return metrics::promql::Vector{{LabelSet{}, r->value.scalar, t, false, nullptr}};
  }
  metrics::promql::Vector out;
  for (auto& e : r->value.vector) {
    if (!e.h) out.push_back(std::move(e));  // native histograms are not stored yet
  }
  return out;
}

std::string Expand(const TemplatedLabel& l, const TemplateData& data) {
  return ToValidUtf8(l.tmpl->is_plain() ? l.text : l.tmpl->Expand(data));
}

// Stored series may hold bytes that are not UTF-8 (written before intake
// checked, or made by label_replace with "\xff"); an alert carries them as
// U+FFFD, so that no reader of alerts (incidents, webhooks, the API) meets
// them.
LabelSet ValidUtf8Labels(LabelSet l) {
  bool valid = true;
  for (const Label& x : l.labels()) valid = valid && IsValidUtf8(x.name) && IsValidUtf8(x.value);
  if (valid) return l;
  std::vector<Label> out;
  for (const Label& x : l.labels()) out.push_back({ToValidUtf8(x.name), ToValidUtf8(x.value)});
  return LabelSet(std::move(out));
}

void SetState(Alert& a, AlertState s, std::vector<AlertChange>& changes, const Rule& rule) {
  a.state = s;
  changes.push_back({rule.name, a});
}

}  // namespace

const char* ToString(AlertState s) {
  switch (s) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

GroupEvaluator::GroupEvaluator(RuleGroup group, Millis default_interval)
    : group_(std::move(group)),
      interval_(group_.interval.count() > 0 ? group_.interval : default_interval),
      states_(group_.rules.size()) {}

std::vector<Alert> GroupEvaluator::Alerts(size_t rule_index) const {
  std::vector<Alert> out;
  for (const auto& [labels, a] : states_.at(rule_index).active) out.push_back(a);
  return out;
}

GroupResult GroupEvaluator::Eval(RuleStorage& storage, Timestamp at, Millis query_timeout) {
  query_timeout_ = query_timeout;
  GroupResult result;
  result.at = at;
  std::vector<OutputSample> all;
  for (size_t i = 0; i < group_.rules.size(); ++i) {
    const Rule& rule = group_.rules[i];
    std::vector<OutputSample> out;
    RuleResult r = rule.kind == Rule::kRecord
                       ? EvalRecording(rule, storage, at, out)
                       : EvalAlerting(rule, states_[i], storage, at, out, result.changes);
    if (!out.empty()) {
      if (auto ok = storage.Append(out); !ok && r.error.empty()) r.error = ok.error().message();
    }
    r.samples = out.size();
    all.insert(all.end(), std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
    result.rules.push_back(std::move(r));
  }
  std::vector<OutputSample> stale;
  std::unordered_set<LabelSet, LabelSetHash> written;
  for (const OutputSample& s : all) written.insert(s.labels);
  for (const LabelSet& l : written_last_) {
    if (!written.contains(l)) stale.push_back({l, {at, metrics::StaleNaN()}});
  }
  written_last_ = std::move(written);
  if (!stale.empty()) (void)storage.Append(stale);  // best effort, as Prometheus
  return result;
}

RuleResult GroupEvaluator::EvalRecording(const Rule& rule, RuleStorage& storage, Timestamp at,
                                         std::vector<OutputSample>& out) {
  RuleResult r{rule.name, "", 0};
  auto v = Query(rule, storage, at - group_.query_offset.count(), query_timeout_);
  if (!v) {
    r.error = v.error().message();
    return r;
  }
  std::unordered_set<LabelSet, LabelSetHash> seen;
  for (const auto& e : *v) {
    LabelSet labels = e.labels;
    labels.Set(metrics::kMetricNameLabel, rule.name);
    for (const auto& [name, value] : group_.labels) labels.Set(name, value);
    for (const TemplatedLabel& l : rule.labels) labels.Set(l.name, l.text);
    labels = ValidUtf8Labels(std::move(labels));  // what is stored is UTF-8
    if (!seen.insert(labels).second) {
      out.clear();
      r.error = "vector contains metrics with the same labelset after applying rule labels";
      return r;
    }
    out.push_back({std::move(labels), {at, e.v}});
  }
  if (group_.limit > 0 && out.size() > group_.limit) {
    r.error = "exceeded limit of " + std::to_string(group_.limit) + " with " +
              std::to_string(out.size()) + " series";
    out.clear();
  }
  return r;
}

RuleResult GroupEvaluator::EvalAlerting(const Rule& rule, AlertRuleState& state,
                                        RuleStorage& storage, Timestamp at,
                                        std::vector<OutputSample>& out,
                                        std::vector<AlertChange>& changes) {
  RuleResult r{rule.name, "", 0};
  auto v = Query(rule, storage, at - group_.query_offset.count(), query_timeout_);
  if (!v) {
    r.error = v.error().message();
    return r;
  }
  // The alerts the expression gives now, labelled and annotated.
  std::unordered_map<LabelSet, Alert, LabelSetHash> now;
  for (const auto& e : *v) {
    const TemplateData data{e.labels, e.v};
    LabelSet labels = e.labels;
    labels.Set(metrics::kMetricNameLabel, "");
    for (const auto& [name, value] : group_.labels) labels.Set(name, value);
    for (const TemplatedLabel& l : rule.labels) labels.Set(l.name, Expand(l, data));
    labels.Set("alertname", rule.name);
    labels = ValidUtf8Labels(std::move(labels));
    Alert a;
    a.labels = labels;
    a.value = e.v;
    for (const TemplatedLabel& l : rule.annotations)
      a.annotations.push_back({l.name, Expand(l, data)});
    if (!now.emplace(labels, std::move(a)).second) {
      r.error = "vector contains metrics with the same labelset after applying alert labels";
      return r;
    }
  }
  for (auto& [labels, fresh] : now) {
    auto it = state.active.find(labels);
    if (it != state.active.end() && it->second.state != AlertState::kInactive) {
      it->second.value = fresh.value;
      it->second.annotations = std::move(fresh.annotations);
      continue;
    }
    fresh.active_at = at;
    fresh.state = AlertState::kPending;
    state.active.insert_or_assign(labels, std::move(fresh));
  }
  size_t active = 0;
  for (auto it = state.active.begin(); it != state.active.end();) {
    Alert& a = it->second;
    const bool present = now.contains(it->first);
    const bool was_new = present && a.active_at == at && a.state == AlertState::kPending;
    bool keep_firing = false;
    if (!present) {
      if (a.state == AlertState::kFiring && rule.keep_firing_for.count() > 0) {
        if (a.keep_firing_since == 0) a.keep_firing_since = at;
        keep_firing = at - a.keep_firing_since < rule.keep_firing_for.count();
      }
      if (a.state == AlertState::kPending ||
          (a.state == AlertState::kInactive && at - a.resolved_at > kResolvedRetentionMs)) {
        it = state.active.erase(it);
        continue;
      }
      if (!keep_firing) {
        if (a.state != AlertState::kInactive) {
          a.resolved_at = at;
          SetState(a, AlertState::kInactive, changes, rule);
        }
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since = 0;
    }
    ++active;
    a.last_eval = at;
    if (a.state == AlertState::kPending && at - a.active_at >= rule.for_duration.count()) {
      a.fired_at = at;
      SetState(a, AlertState::kFiring, changes, rule);
    } else if (was_new) {
      changes.push_back({rule.name, a});
    }
    ++it;
  }
  if (group_.limit > 0 && active > group_.limit) {
    state.active.clear();
    r.error = "exceeded limit of " + std::to_string(group_.limit) + " with " +
              std::to_string(active) + " alerts";
    return r;
  }
  for (const auto& [labels, a] : state.active) {
    if (a.state == AlertState::kInactive) continue;
    LabelSet series = labels;
    series.Set(metrics::kMetricNameLabel, "ALERTS");
    series.Set("alertstate", ToString(a.state));
    out.push_back({std::move(series), {at, 1}});
    LabelSet for_state = labels;
    for_state.Set(metrics::kMetricNameLabel, "ALERTS_FOR_STATE");
    out.push_back({std::move(for_state), {at, static_cast<double>(a.active_at / 1000)}});
  }
  return r;
}

}  // namespace fw::alerting
