#include "alerting/router.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace fw::alerting {

std::string Fingerprint(const LabelSet& labels) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(labels.Hash()));
  return buf;
}

int NotificationPriority(const Notification& n) {
  for (const RoutedAlert& a : n.alerts) {
    if (a.ends_at != 0 && a.ends_at <= n.at) continue;
    std::string severity(a.labels.Get("severity"));
    for (char& c : severity) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (severity == "critical" || severity == "page" || severity == "emergency" ||
        severity == "p1" || severity == "sev1") {
      return 0;
    }
  }
  return 1;
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
    auto found = group_by_key_.find(key);
    std::list<Group>::iterator g;
    if (found == group_by_key_.end()) {
      if (alert.resolved(now)) continue;  // nothing to tell about an alert never seen firing
      groups_.push_back(
          {route, key, group_labels, {}, {}, {}, {}, now + route->group_wait.count(), 0});
      g = std::prev(groups_.end());
      group_by_key_.emplace(key, g);
    } else {
      g = found->second;
    }
    if (g->member_set.insert(fp).second) g->members.push_back(fp);
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

void Router::ReplaceSilences(std::vector<Silence> all) {
  silences_.clear();
  for (Silence& s : all) {
    const std::string id = s.id;
    silences_[id] = std::move(s);
  }
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

// The `equal` label values of `labels` for rule `rule`, as one key.
static std::string EqualKey(const InhibitRule& rule, const LabelSet& labels) {
  std::string key;
  for (const std::string& name : rule.equal) {
    key += labels.Get(name);
    key += '\xff';  // not in valid UTF-8: values cannot run together
  }
  return key;
}

void Router::IndexInhibitors(Timestamp now) {
  inhibitors_.assign(config_.inhibit_rules.size(), {});
  for (size_t i = 0; i < config_.inhibit_rules.size(); ++i) {
    const InhibitRule& rule = config_.inhibit_rules[i];
    for (const auto& [fp, source] : alerts_) {
      if (source.resolved(now) || !MatchesAll(rule.source, source.labels)) continue;
      ++inhibitors_[i][EqualKey(rule, source.labels)];
    }
  }
}

bool Router::InhibitedIndexed(const RoutedAlert& a, Timestamp now) const {
  for (size_t i = 0; i < inhibitors_.size() && i < config_.inhibit_rules.size(); ++i) {
    const InhibitRule& rule = config_.inhibit_rules[i];
    if (!MatchesAll(rule.target, a.labels)) continue;
    auto it = inhibitors_[i].find(EqualKey(rule, a.labels));
    if (it == inhibitors_[i].end()) continue;
    // An alert does not inhibit itself.
    const bool self = !a.resolved(now) && MatchesAll(rule.source, a.labels);
    if (it->second > (self ? 1u : 0u)) return true;
  }
  return false;
}

bool Router::Suppressed(const RoutedAlert& a, Timestamp now) const {
  for (const auto& [id, s] : silences_) {
    if (s.active(now) && MatchesAll(s.matchers, a.labels)) return true;
  }
  return !a.resolved(now) && InhibitedIndexed(a, now);
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

// FNV-1a over the sorted fingerprints of the firing alerts.
static uint64_t Digest(const Notification& n, Timestamp now) {
  std::vector<std::string_view> fps;
  std::vector<std::string> owned;
  owned.reserve(n.alerts.size());
  for (const RoutedAlert& a : n.alerts) {
    if (!a.resolved(now)) owned.push_back(Fingerprint(a.labels));
  }
  fps.assign(owned.begin(), owned.end());
  std::sort(fps.begin(), fps.end());
  uint64_t h = 1469598103934665603ULL;
  for (std::string_view fp : fps) {
    for (char c : fp) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  return h;
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
    const bool gone = alerts_.at(fp).resolved(now) && !flaps_.Flapping(fp, now);
    if (gone) g.member_set.erase(fp);
    return gone;
  });
  g.notified = std::move(sent);
  g.next_flush = now + g.route->group_interval.count();
  if (!changed && !repeat) return std::nullopt;
  n.digest = Digest(n, now);
  if (g.last_notify == 0 && !restored_.empty()) {
    auto told = restored_.find(g.key);
    if (told != restored_.end() && told->second.first == n.digest &&
        now - told->second.second < g.route->repeat_interval.count()) {
      g.last_notify = told->second.second;  // sent before a restart: not again
      restored_.erase(told);
      return std::nullopt;
    }
  }
  g.last_notify = now;
  return n;
}

std::vector<Notification> Router::Flush(Timestamp now) {
  flaps_.Settle(now);
  std::vector<Notification> out;
  bool indexed = false;
  for (Group& g : groups_) {
    if (g.next_flush > now) continue;
    if (!indexed && !config_.inhibit_rules.empty()) IndexInhibitors(now);
    indexed = true;
    if (auto n = FlushGroup(g, now)) out.push_back(std::move(*n));
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (!it->members.empty()) {
      ++it;
      continue;
    }
    group_by_key_.erase(it->key);
    it = groups_.erase(it);
  }
  // Alerts no group holds any more (resolved and told) are forgotten.
  const bool any_resolved = std::any_of(alerts_.begin(), alerts_.end(),
                                        [&](const auto& kv) { return kv.second.resolved(now); });
  if (any_resolved) {
    std::unordered_set<std::string> held;
    for (const Group& g : groups_) held.insert(g.members.begin(), g.members.end());
    std::erase_if(alerts_, [&](const auto& kv) {
      return kv.second.resolved(now) && !held.contains(kv.first);
    });
  }
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
    if (g.member_set.contains(fp)) e.groups.push_back(g.key);
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
