#include "alerting/router.h"

#include <algorithm>
#include <cstdio>

namespace fw::alerting {

std::string Fingerprint(const LabelSet& labels) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(labels.Hash()));
  return buf;
}

std::string Explanation::ToString() const {
  if (!known && routes.empty()) return "no such alert";
  std::string out;
  auto list = [&out](const char* title, const std::vector<std::string>& items) {
    out += title;
    if (items.empty()) out += " none";
    for (const std::string& i : items) out += "\n  " + i;
    out += "\n";
  };
  out +=
      known ? "alert is held by the router\n" : "alert is not held by the router (routing shown)\n";
  list("routes:", routes);
  list("groups:", groups);
  list("silenced by:", silences);
  list("inhibited by:", inhibited);
  list("muted by:", muted);
  out += "flapping: " + (flapping.empty() ? std::string("no") : flapping) + "\n";
  return out;
}

Router::Router(RoutingConfig config) : config_(std::move(config)), flaps_(config_.flap_detection) {}

LabelSet Router::GroupLabels(const Route& r, const LabelSet& labels) const {
  if (r.group_by_all) return labels;
  LabelSet out;
  for (const std::string& name : r.group_by) out.Set(name, labels.Get(name));
  return out;
}

std::optional<Timestamp> Router::Put(const RoutedAlert& alert, Timestamp now) {
  const std::string fp = Fingerprint(alert.labels);
  const bool existed = alerts_.contains(fp);
  alerts_[fp] = alert;
  flaps_.Observe(fp, !alert.resolved(now), now);
  std::optional<Timestamp> due;
  if (config_.root.receiver.empty()) return due;  // no routing configured
  for (const Route* route : config_.root.Match(alert.labels)) {
    const LabelSet group_labels = GroupLabels(*route, alert.labels);
    const std::string key = route->id + ":" + group_labels.ToString();
    auto g =
        std::find_if(groups_.begin(), groups_.end(), [&](const Group& x) { return x.key == key; });
    if (g == groups_.end()) {
      if (alert.resolved(now)) continue;  // nothing to tell about an alert never seen firing
      groups_.push_back({route, key, group_labels, {}, {}, {}, now + route->group_wait.count(), 0});
      g = groups_.end() - 1;
    }
    if (std::find(g->members.begin(), g->members.end(), fp) == g->members.end()) {
      g->members.push_back(fp);
    }
    // A resolution is news worth sending now, once the group has spoken.
    if (alert.resolved(now) && existed && g->last_notify != 0) g->next_flush = now;
    if (!due || g->next_flush < *due) due = g->next_flush;
  }
  return due;
}

Result<std::string> Router::AddSilence(Silence s, Timestamp now) {
  if (s.matchers.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a silence needs at least one matcher");
  }
  if (s.starts_at == 0) s.starts_at = now;
  if (s.ends_at <= s.starts_at) {
    return Fail(ErrorCode::kInvalidArgument, "a silence must end after it starts");
  }
  if (s.id.empty()) s.id = "silence-" + std::to_string(next_silence_++);
  const std::string id = s.id;
  silences_[id] = std::move(s);
  return id;
}

bool Router::ExpireSilence(const std::string& id, Timestamp now) {
  auto it = silences_.find(id);
  if (it == silences_.end() || it->second.ends_at <= now) return false;
  it->second.ends_at = now;
  return true;
}

std::vector<Silence> Router::Silences() const {
  std::vector<Silence> out;
  for (const auto& [id, s] : silences_) out.push_back(s);
  return out;
}

bool Router::Inhibited(const RoutedAlert& a, Timestamp now, std::vector<std::string>* why) const {
  bool inhibited = false;
  for (size_t i = 0; i < config_.inhibit_rules.size(); ++i) {
    const InhibitRule& rule = config_.inhibit_rules[i];
    if (!MatchesAll(rule.target, a.labels)) continue;
    for (const auto& [fp, source] : alerts_) {
      if (source.resolved(now) || source.labels == a.labels) continue;
      if (!MatchesAll(rule.source, source.labels)) continue;
      bool equal = true;
      for (const std::string& name : rule.equal) {
        equal = equal && source.labels.Get(name) == a.labels.Get(name);
      }
      if (!equal) continue;
      inhibited = true;
      if (!why) return true;
      why->push_back("inhibit_rules[" + std::to_string(i) + "] by " + source.labels.ToString());
      break;
    }
  }
  return inhibited;
}

bool Router::Suppressed(const RoutedAlert& a, Timestamp now) const {
  for (const auto& [id, s] : silences_) {
    if (s.active(now) && MatchesAll(s.matchers, a.labels)) return true;
  }
  return !a.resolved(now) && Inhibited(a, now, nullptr);
}

bool Router::FlapNotice(Group& g, const std::string& fp, const RoutedAlert& a, Timestamp now,
                        Notification& n) {
  if (!g.flap_told.insert(fp).second) return false;
  // Flapping is the problem now, whatever the last state: told as firing.
  RoutedAlert notice = a;
  notice.ends_at = 0;
  notice.annotations.push_back({"flapping", flaps_.Describe(fp, now)});
  n.alerts.push_back(std::move(notice));
  n.firing = true;
  return true;
}

std::optional<Notification> Router::FlushGroup(Group& g, Timestamp now) {
  if (!config_.MutedBy(*g.route, now).empty()) {
    // Maintenance window: nothing is sent or marked as sent; the state is
    // compared again at the next flush.
    g.next_flush = now + g.route->group_interval.count();
    return std::nullopt;
  }
  Notification n{g.route->receiver, g.route->id, g.key, g.labels, {}, false, now};
  bool changed = false;
  std::map<std::string, bool> sent;
  for (const std::string& fp : g.members) {
    const RoutedAlert& a = alerts_.at(fp);
    const bool firing = !a.resolved(now);
    auto before = g.notified.find(fp);
    if (Suppressed(a, now)) {
      // A silenced alert that was announced as firing is left as it was.
      if (before != g.notified.end()) sent[fp] = before->second;
      continue;
    }
    if (flaps_.Flapping(fp, now)) {
      if (FlapNotice(g, fp, a, now, n)) {
        changed = true;
        sent[fp] = true;
      } else if (before != g.notified.end()) {
        sent[fp] = before->second;  // held
      }
      continue;
    }
    g.flap_told.erase(fp);
    if (!firing && (before == g.notified.end() || !before->second)) continue;  // never announced
    n.alerts.push_back(a);
    n.firing = n.firing || firing;
    if (before == g.notified.end() || before->second != firing) changed = true;
    if (firing) sent[fp] = true;
  }
  const bool repeat =
      n.firing && g.last_notify != 0 && now - g.last_notify >= g.route->repeat_interval.count();
  // Drop resolved alerts from the group now that they are (or need not be) told.
  // A flapping alert stays: its resolution is told once it is stable.
  std::erase_if(g.members, [&](const std::string& fp) {
    return alerts_.at(fp).resolved(now) && !flaps_.Flapping(fp, now);
  });
  g.notified = std::move(sent);
  g.next_flush = now + g.route->group_interval.count();
  if (!changed && !repeat) return std::nullopt;
  g.last_notify = now;
  return n;
}

std::vector<Notification> Router::Flush(Timestamp now) {
  flaps_.Settle(now);
  std::vector<Notification> out;
  for (Group& g : groups_) {
    if (g.next_flush > now) continue;
    if (auto n = FlushGroup(g, now)) out.push_back(std::move(*n));
  }
  std::erase_if(groups_, [](const Group& g) { return g.members.empty(); });
  // Alerts no group holds any more (resolved and told) are forgotten.
  std::erase_if(alerts_, [&](const auto& kv) {
    if (!kv.second.resolved(now)) return false;
    for (const Group& g : groups_) {
      if (std::find(g.members.begin(), g.members.end(), kv.first) != g.members.end()) {
        return false;
      }
    }
    return true;
  });
  return out;
}

std::optional<Timestamp> Router::NextFlush() const {
  std::optional<Timestamp> next;
  for (const Group& g : groups_) {
    if (!next || g.next_flush < *next) next = g.next_flush;
  }
  return next;
}

std::vector<std::pair<RoutedAlert, Explanation>> Router::Snapshot(Timestamp now) const {
  std::vector<std::pair<RoutedAlert, Explanation>> out;
  for (const auto& [fp, a] : alerts_) out.push_back({a, Explain(a.labels, now)});
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.first.labels < y.first.labels; });
  return out;
}

Explanation Router::Explain(const LabelSet& labels, Timestamp now) const {
  Explanation e;
  const std::string fp = Fingerprint(labels);
  auto it = alerts_.find(fp);
  e.known = it != alerts_.end();
  if (!config_.root.receiver.empty()) {
    for (const Route* r : config_.root.Match(labels)) {
      e.routes.push_back(r->id + " -> receiver " + r->receiver);
      if (std::string why = config_.MutedBy(*r, now); !why.empty()) e.muted.push_back(why);
    }
  }
  for (const Group& g : groups_) {
    if (std::find(g.members.begin(), g.members.end(), fp) != g.members.end()) {
      e.groups.push_back(g.key);
    }
  }
  for (const auto& [id, s] : silences_) {
    if (s.active(now) && MatchesAll(s.matchers, labels)) {
      e.silences.push_back(id + " (by " + s.created_by + ": " + s.comment + ")");
    }
  }
  e.flapping = flaps_.Describe(fp, now);
  RoutedAlert probe = e.known ? it->second : RoutedAlert{labels, {}, now, 0, ""};
  Inhibited(probe, now, &e.inhibited);
  return e;
}

}  // namespace fw::alerting
