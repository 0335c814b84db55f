// Change evidence: deployments, feature flags and config changes in the
// lookback before onset, with the time each instance started running a
// deployed version (app_build_info), and the suspicion score that ties a
// change to a hypothesis.

#include <algorithm>
#include <cmath>
#include <set>

#include "changes/change_log.h"
#include "metrics/promql/storage.h"
#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr int64_t kMinute = 60'000;

void SwitchTimes(const metrics::promql::Queryable& q, Features& f, Deploy& d) {
  const metrics::LabelMatcher m[] = {
      {metrics::MatchType::kEqual, "__name__", "app_build_info"},
      {metrics::MatchType::kEqual, "version", d.version},
  };
  for (const auto& s : q.Select(m, d.start - kMinute, f.now)) {
    if (s.samples.empty()) continue;
    const std::string inst(s.labels.Get("instance"));
    auto [it, added] = d.switched.try_emplace(inst, s.samples.front().t);
    if (!added) it->second = std::min(it->second, s.samples.front().t);
  }
}

// Without metrics: the first minute logs show the instance on the version.
void SwitchTimesFromLogs(const Features& f, Deploy& d) {
  for (const auto& [minute, insts] : f.versions_by_minute) {
    if (minute + kMinute < d.start) continue;
    for (const auto& [inst, v] : insts) {
      if (v == d.version) d.switched.try_emplace(inst, minute);
    }
  }
}

// "on"/"off" for a flag change, whichever way the source says it.
std::string FlagState(const changes::ChangeEvent& e) {
  const std::string state = e.Field("state");
  if (!state.empty()) return state;
  const std::string enabled = e.Field("enabled");
  return enabled == "true" ? "on" : enabled == "false" ? "off" : enabled;
}

// An instance that went away for a reason of its own, not because the
// group shrank or a rollout or an operator replaced it.
bool Unplanned(const std::string& state, const std::string& reason) {
  if (state != "terminated" && state != "crashed" && state != "failed" && state != "stopped") {
    return false;
  }
  for (const char* planned :
       {"scale in", "scale-in", "rollout", "operator", "deploy", "replaced"}) {
    if (reason.find(planned) != std::string::npos) return false;
  }
  return true;
}

// Instance lifecycle lines (cloud status checks, orchestrator events): the
// ones that say an instance failed become evidence of their own.
void CollectInstanceEvents(const changes::ChangeLog& log, Features& f, Analysis& a) {
  for (const changes::ChangeEvent& e : log.Between(f.from, f.now + 1)) {
    if (e.type != "instance" || !f.InScope(e.service)) continue;
    InstanceEvent ie;
    ie.instance = e.Field("instance");
    ie.state = e.Field("state");
    ie.reason = e.Field("reason");
    ie.time = e.time;
    if (Unplanned(ie.state, ie.reason) && e.time <= f.now) {
      Evidence ev;
      ev.kind = EvidenceKind::kHost;
      ev.id = "instance:" + ie.instance + ":" + ie.state;
      ev.title = ie.instance + " " + ie.state + " at " + FormatTime(e.time) +
                 (ie.reason.empty() ? "" : ": " + ie.reason);
      ev.detail = "an instance lifecycle event in the change log";
      ev.first_moved = e.time;
      ev.score = 5;
      if (!a.FindEvidence(ev.id)) a.evidence.push_back(std::move(ev));
      ie.evidence_id = "instance:" + ie.instance + ":" + ie.state;
      ie.unplanned = true;
    }
    f.instance_events.push_back(std::move(ie));
  }
}

}  // namespace

void CollectChanges(const changes::ChangeLog& log, const metrics::promql::Queryable* q, Features& f,
                    Analysis& a) {
  std::map<std::string, Deploy> by_key;
  std::vector<std::string> order;
  for (const changes::ChangeEvent& e : log.Between(f.from, f.now + 1)) {
    // A release is a release whatever the source calls it: a generic change
    // or a rollback that names a version is read as a deployment.
    const bool deploy = e.type == "deployment" || ((e.type == "change" || e.type == "rollback") &&
                                                   !e.Field("version").empty());
    if (!deploy && e.type != "feature_flag" && e.type != "config" && e.type != "change" &&
        e.type != "migration") {
      continue;
    }
    if (!f.InScope(e.service)) continue;
    const std::string version =
        deploy ? e.Field("version")
               : (!e.Field("flag").empty() ? e.Field("flag") + " " + FlagState(e) : e.summary);
    const std::string key = e.type + "|" + e.service + "|" + version;
    auto [it, added] = by_key.try_emplace(key);
    Deploy& d = it->second;
    if (added) {
      order.push_back(key);
      d.type = deploy ? "deployment" : e.type;
      d.service = e.service;
      d.version = version;
      d.previous_version = e.Field("previous_version");
      d.who = e.Field("who");
      d.start = e.time;
      d.rollback = e.Field("rollback") == "true" || e.type == "rollback";
    }
    if (!deploy || e.Field("status") == "completed") d.end = e.time;
  }
  CollectInstanceEvents(log, f, a);
  for (const std::string& key : order) {
    Deploy d = by_key[key];
    if (d.start > f.onset) continue;  // after onset: a response, not a cause
    if (d.type == "deployment") {
      if (q) SwitchTimes(*q, f, d);
      if (d.switched.empty()) SwitchTimesFromLogs(f, d);
    }
    Evidence e;
    e.kind = EvidenceKind::kChange;
    e.id = "change:" + d.type + ":" + d.service + ":" + d.version;
    e.title = d.type == "deployment"
                  ? std::string(d.rollback ? "rollback of " : "deploy of ") + d.service + " " +
                        d.version + " (from " + d.previous_version + ") by " + d.who + " at " +
                        FormatTime(d.start)
                  : d.type + " change " + d.version + " at " + FormatTime(d.start);
    e.detail = d.end ? "completed at " + FormatTime(d.end) : "not completed before onset";
    e.detail += "; " + std::to_string(d.switched.size()) + " instances ran it";
    e.first_moved = d.start;
    d.evidence_id = e.id;
    a.evidence.push_back(std::move(e));
    f.deploys.push_back(std::move(d));
  }
}

double ScoreSuspect(const Deploy& d, Timestamp first_moved,
                    const std::map<std::string, RobustScore>& per_instance,
                    const std::vector<const LogTemplate*>& templates,
                    const std::vector<Deploy>& others, std::string& reason) {
  if (d.rollback) {
    reason = "a rollback restores a version that ran before";
    return 0;
  }
  const Timestamp end = d.end ? d.end : d.start + 10 * kMinute;
  std::vector<std::string> why;
  double p_time = 0.3;
  if (first_moved) {
    if (first_moved < d.start - kMinute) {
      reason = "the signals moved at " + FormatTime(first_moved) + ", before the change";
      return 0;
    }
    // A release replaced by another before anything moved was not running
    // when the trouble began.
    for (const Deploy& o : others) {
      if (d.type == "deployment" && o.type == "deployment" && !o.rollback &&
          o.service == d.service && o.start > d.start && o.start < first_moved - kMinute) {
        reason = o.version + " replaced it before the signals moved";
        return 0;
      }
    }
    // The nearer the change before the trouble, the likelier: one minute of
    // slack for scrapes and rule windows, then suspicion fades.
    // A flag or a config change acts at once; a release's effects may take
    // a few minutes to show on the instances that got it.
    const double late = static_cast<double>(first_moved - end - kMinute);
    const double fade = d.type == "deployment" ? 4.0 * kMinute : 1.5 * kMinute;
    p_time = late <= 0 ? 1 : std::exp(-late / fade);
    why.push_back(late <= 0 ? "signals moved during or right after the rollout"
                            : "signals moved " + FormatNumberShort((first_moved - end) / 60'000.0) +
                                  " min after the rollout completed");
  }
  // Rollout overlap: each affected instance went bad after it got the change
  // (where the climb began, for signals that climb).
  double p_inst = 0.5;
  bool at_once = false;  // the rollout spread over minutes, the symptom did not
  std::vector<std::pair<Timestamp, Timestamp>> pairs;  // (switched, moved)
  int affected = 0, matching = 0;
  // A flag or a config change reaches every instance when it is made.
  const bool fleet_wide = d.type != "deployment";
  for (const auto& [inst, s] : per_instance) {
    if (!s.first_moved || s.z < 4) continue;
    ++affected;
    auto sw = d.switched.find(inst);
    if (!fleet_wide && sw == d.switched.end()) continue;
    const Timestamp got = fleet_wide ? d.start : sw->second;
    const Timestamp moved = s.drift_start ? s.drift_start : s.first_moved;
    pairs.push_back({got, moved});
    // A fleet-wide change is made at one instant: what began before it was
    // already under way.
    const Timestamp before = fleet_wide ? 30'000 : kMinute;
    const Timestamp window = fleet_wide ? 150'000 : 6 * kMinute;
    if (moved >= got - before && moved <= got + window) ++matching;
  }
  if (affected > 0 && (fleet_wide || !d.switched.empty())) {
    p_inst = static_cast<double>(matching) / affected;
    if (pairs.size() >= 3) {
      Timestamp sw_lo = pairs[0].first, sw_hi = sw_lo, mv_lo = pairs[0].second, mv_hi = mv_lo;
      for (const auto& [sw, mv] : pairs) {
        sw_lo = std::min(sw_lo, sw), sw_hi = std::max(sw_hi, sw);
        mv_lo = std::min(mv_lo, mv), mv_hi = std::max(mv_hi, mv);
      }
      if (sw_hi - sw_lo >= 2 * kMinute && (mv_hi - mv_lo) * 10 < (sw_hi - sw_lo) * 3) {
        p_inst *= 0.3;
        at_once = true;
        why.push_back("instances went bad all at once, not in rollout order");
      } else if (p_inst >= 0.7) {
        why.push_back(std::to_string(matching) + " of " + std::to_string(affected) +
                      " affected instances went bad after they got " + d.version);
      }
    }
  }
  // Reach: a change goes to every instance that runs it (a flag or a config
  // change to all of them at once). When most of those stayed well, the
  // few that went bad did so for a reason of their own.
  double p_reach = 1;
  if (affected > 0 && per_instance.size() >= 3) {
    // Bad: left its baseline at some point (a heap that OOM kills reset
    // counts), or logged the failing lines.
    std::set<std::string> logged;
    for (const LogTemplate* t : templates) {
      for (const auto& [inst, n] : t->by_instance) logged.insert(inst);
    }
    int reached = 0, bad = 0;
    for (const auto& [inst, s] : per_instance) {
      const bool got = fleet_wide || d.switched.count(inst);
      if (!got) continue;
      ++reached;
      bad += (s.first_moved && (s.z >= 4 || std::abs(s.extreme - s.baseline) >= 4 * s.scale)) ||
             logged.count(inst);
    }
    if (reached >= 3 && bad * 2 < reached) {
      p_reach = static_cast<double>(bad) / reached;
      why.push_back("only " + std::to_string(bad) + " of the " + std::to_string(reached) +
                    " instances that got it went bad");
    }
  }
  // The version tag on failing requests while old and new versions both served.
  double p_ver = 0.5;
  int64_t on_new = 0, mixed = 0;
  for (const LogTemplate* t : templates) {
    for (const auto& [v, n] : t->mixed_by_version) {
      mixed += n;
      if (v == d.version) on_new += n;
    }
  }
  if (mixed >= 5) {
    const double share = static_cast<double>(on_new) / static_cast<double>(mixed);
    p_ver = share >= 0.8 ? 1 : share <= 0.3 ? 0 : 0.5;
    why.push_back(FormatPercent(share) + " of the failing lines logged during the rollout carry " +
                  d.version);
  }
  reason.clear();
  for (const std::string& w : why) reason += (reason.empty() ? "" : "; ") + w;
  const double fit = (0.45 * p_time + 0.35 * p_inst + 0.2 * p_ver) * std::min(1.0, 2 * p_reach);
  return std::clamp(fit * (at_once ? 0.6 : 1.0), 0.0, 1.0);
}

}  // namespace fw::rca
