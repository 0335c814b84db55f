#include "alerting/rule_manager.h"

#include <algorithm>
#include <chrono>
#include <exception>

namespace fw::alerting {

struct RuleManager::Entry {
  explicit Entry(GroupEvaluator e) : eval(std::move(e)) {}
  std::mutex eval_mu;  // guards eval: the loop writes, API snapshots read
  GroupEvaluator eval;
  std::set<std::string> reads;  // metric names; "*" for any
  Timestamp offset = 0;         // phase within the interval
  Timestamp next = 0;           // next scheduled evaluation
  bool dirty = false;           // new samples for a metric it reads
  // Only early evaluations count against min_early_gap: a scheduled one just
  // before new samples arrive must not delay looking at them.
  Timestamp last_early = 0;
  GroupStatus status;
};

std::set<std::string> MetricNamesOf(const metrics::promql::Expr& e) {
  std::set<std::string> out;
  if (e.kind == metrics::promql::NodeKind::kVectorSelector) {
    const auto& vs = e.As<metrics::promql::VectorSelector>();
    std::string name = vs.name;
    for (const auto& m : vs.matchers) {
      if (m.name == metrics::kMetricNameLabel && m.type == metrics::MatchType::kEqual) {
        name = m.value;
      }
    }
    out.insert(name.empty() ? "*" : name);
  }
  for (const metrics::promql::Expr* child : metrics::promql::Children(e)) {
    out.merge(MetricNamesOf(*child));
  }
  return out;
}

std::shared_ptr<RuleManager::Entry> RuleManager::MakeEntry(RuleGroup g, Timestamp now) const {
  auto e = std::make_shared<Entry>(GroupEvaluator(std::move(g), options_.default_interval));
  const RuleGroup& group = e->eval.group();
  for (const Rule& r : group.rules) {
    if (r.expr) e->reads.merge(MetricNamesOf(*r.expr));
  }
  const Timestamp interval = e->eval.interval().count();
  e->offset = static_cast<Timestamp>(LabelSet{{"group", group.name}, {"file", group.file}}.Hash() %
                                     static_cast<uint64_t>(interval));
  e->next = NextScheduled(*e, now - 1);
  e->status.name = group.name;
  e->status.file = group.file;
  e->status.interval = e->eval.interval();
  return e;
}

RuleManager::RuleManager(std::vector<RuleGroup> groups, RuleStorage& storage, Clock& clock,
                         AlertSink sink, Options options)
    : storage_(storage), clock_(clock), sink_(std::move(sink)), options_(options) {
  const Timestamp now = clock_.Now();
  for (RuleGroup& g : groups) entries_.push_back(MakeEntry(std::move(g), now));
}

void RuleManager::Replace(std::vector<RuleGroup> groups) {
  const Timestamp now = clock_.Now();
  std::vector<std::shared_ptr<Entry>> fresh;
  for (RuleGroup& g : groups) fresh.push_back(MakeEntry(std::move(g), now));
  std::lock_guard lock(mu_);
  entries_ = std::move(fresh);
  wake_.request_stop();
}

RuleManager::~RuleManager() { Stop(); }

Timestamp RuleManager::NextScheduled(const Entry& e, Timestamp after) const {
  const Timestamp interval = e.eval.interval().count();
  const Timestamp base = after - ((after - e.offset) % interval + interval) % interval;
  return base + interval > after ? base + interval : base + 2 * interval;
}

void RuleManager::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void RuleManager::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    std::lock_guard lock(mu_);
    wake_.request_stop();
  }
  thread_.join();
}

void RuleManager::NotifyAppended(const std::set<std::string>& names) {
  std::lock_guard lock(mu_);
  bool any = false;
  for (auto& e : entries_) {
    if (e->dirty) continue;
    for (const std::string& n : names) {
      if (e->reads.contains(n) || e->reads.contains("*")) {
        e->dirty = true;
        any = true;
        break;
      }
    }
  }
  if (any) wake_.request_stop();
}

void RuleManager::EvalGroup(Entry& e, Timestamp at, bool early) {
  const auto begin = std::chrono::steady_clock::now();  // duration only, not time of day
  GroupResult r;
  {
    std::lock_guard lock(e.eval_mu);
    Millis limit = e.eval.interval();
    if (options_.query_timeout.count() > 0) limit = std::min(limit, options_.query_timeout);
    r = e.eval.Eval(storage_, at, limit);
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - begin)
                      .count();
  {
    std::lock_guard lock(mu_);
    e.status.last_eval = at;
    e.status.last_duration_us = us;
    ++e.status.evaluations;
    if (early) ++e.status.early_evaluations;
    e.status.rules = r.rules;
  }
  if (!sink_) return;
  // The sink (alerting, incidents) runs on this loop's thread: an exception
  // from it must not end the process. The group's status records it.
  std::string failure;
  try {
    sink_(r);
    return;
  } catch (const std::exception& ex) {
    failure = ex.what();
  } catch (...) {
    failure = "unknown exception";
  }
  std::lock_guard lock(mu_);
  e.status.rules.push_back({"(delivering results)", "failed: " + failure, 0});
}

void RuleManager::EvalAllNow(Timestamp at) {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mu_);
    entries = entries_;
  }
  for (auto& e : entries) EvalGroup(*e, at, false);
}

void RuleManager::EvalDue(Timestamp now) {
  std::vector<std::shared_ptr<Entry>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& e : entries_) {
      if (e->next > now && !e->dirty) continue;
      if (e->next <= now) e->next = NextScheduled(*e, now);
      e->dirty = false;
      due.push_back(e);
    }
  }
  for (auto& e : due) EvalGroup(*e, now, false);
}

void RuleManager::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const Timestamp now = clock_.Now();
    if (options_.active && !options_.active()) {  // a follower: look again shortly
      clock_.SleepUntil(now + 500, stop);
      continue;
    }
    Timestamp wake_at = now + 3'600'000;
    std::vector<std::pair<std::shared_ptr<Entry>, bool>> due;  // entry, early
    std::stop_token sleep_token;
    {
      std::lock_guard lock(mu_);
      for (auto& e : entries_) {
        const bool gap_ok = now - e->last_early >= options_.min_early_gap.count();
        if (e->next <= now) {
          due.push_back({e, false});
          e->next = NextScheduled(*e, now);
          e->dirty = false;
        } else if (e->dirty && gap_ok) {
          due.push_back({e, true});
          e->dirty = false;
          e->last_early = now;
        } else if (e->dirty) {
          wake_at = std::min(wake_at, e->last_early + options_.min_early_gap.count());
        }
        wake_at = std::min(wake_at, e->next);
      }
      if (due.empty()) {
        if (wake_.stop_requested()) wake_ = std::stop_source();
        sleep_token = wake_.get_token();
      }
    }
    if (!due.empty()) {
      for (auto& [e, early] : due) EvalGroup(*e, now, early);
      continue;
    }
    // Sleeps until the next group is due, a notification, or Stop().
    std::stop_callback forward(stop, [this] {
      std::lock_guard lock(mu_);
      wake_.request_stop();
    });
    clock_.SleepUntil(wake_at, sleep_token);
  }
}

std::vector<GroupStatus> RuleManager::Status() const {
  std::lock_guard lock(mu_);
  std::vector<GroupStatus> out;
  for (const auto& e : entries_) out.push_back(e->status);
  return out;
}

std::vector<RuleAlerts> RuleManager::Alerts() const {
  std::lock_guard lock(mu_);
  std::vector<RuleAlerts> out;
  for (const auto& e : entries_) {
    std::lock_guard eval_lock(e->eval_mu);
    const RuleGroup& g = e->eval.group();
    for (size_t i = 0; i < g.rules.size(); ++i) {
      if (g.rules[i].kind != Rule::kAlert) continue;
      out.push_back({g.name, &g.rules[i], e->eval.Alerts(i)});
    }
  }
  return out;
}

}  // namespace fw::alerting
