#pragma once
// The router: Alertmanager's dispatch logic in-process. Alerts (from rule
// evaluation or external intake) are routed through the route tree into
// aggregation groups (route x group_by values); each group notifies its
// receiver after group_wait, then at most every group_interval when its
// alerts changed, and again every repeat_interval while they fire. One
// difference from Alertmanager, on purpose: a resolution is flushed at once
// instead of at the next group_interval tick, so "resolved" is not late.
//
// Silences (matchers with a time window), inhibition rules, the routes'
// mute/active time intervals (maintenance windows) and flap detection
// suppress notifications without losing the alert; Explain() says, for any
// label set, which routes take it, which group it is in, and what
// suppresses it. While a group's route is muted its notifications wait (as
// in Alertmanager, nothing is sent late for the muted time, but what
// changed is told at the first flush after the window). A flapping alert is
// told once as flapping (annotation "flapping"), then held until stable.
//
// Driven by the caller's clock: Put() and Flush(now) take the time;
// NextFlush() says when Flush has work. Not thread-safe (one owner thread).
//
// Cost: Put is O(1) in the number of alerts and groups (hash lookups), and a
// flush O(alerts in the groups due), inhibition included (an index of the
// firing sources built once per Flush), so a storm of n alerts in one group
// costs O(n), not O(n^2).

#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alerting/route.h"
#include "common/clock.h"

namespace fw::alerting {

struct RoutedAlert {
  LabelSet labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;  // 0 while firing
  std::string generator_url;
  bool resolved(Timestamp now) const { return ends_at != 0 && ends_at <= now; }
};

// Alertmanager's fingerprint format: 16 hex digits of the label hash.
std::string Fingerprint(const LabelSet& labels);

struct Silence {
  std::string id;  // assigned by AddSilence when empty
  std::vector<Matcher> matchers;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;
  std::string created_by;
  std::string comment;
  bool active(Timestamp now) const { return starts_at <= now && now < ends_at; }
};

struct Notification {
  std::string receiver;
  std::string route_id;
  std::string group_key;  // route id + group labels; stable per group
  LabelSet group_labels;
  std::vector<RoutedAlert> alerts;  // firing and newly resolved
  bool firing = false;              // any alert still firing
  Timestamp at = 0;
  uint64_t digest = 0;  // of the firing alerts' fingerprints (NotificationLog)
};

// How urgent a notification is: 0 (a page) when any firing alert it carries
// has severity critical, page, emergency, p1 or sev1 (any case); 1 otherwise.
// Pages are dispatched and delivered apart from, and before, the rest, so a
// storm of warnings never holds one up.
int NotificationPriority(const Notification& n);

struct Explanation {
  std::vector<std::string> routes;     // route ids with their receivers
  std::vector<std::string> groups;     // group keys holding the alert
  std::vector<std::string> silences;   // active silences that match
  std::vector<std::string> inhibited;  // "inhibit_rules[i] by <source labels>"
  std::vector<std::string> muted;      // "mute_time_intervals: NAME (route id)"
  std::string flapping;                // why it is held as flapping; "" when not
  bool known = false;                  // the router holds this alert
  std::string ToString() const;
  bool Suppressed() const {
    return !silences.empty() || !inhibited.empty() || !muted.empty() || !flapping.empty();
  }
};

class Router {
 public:
  explicit Router(RoutingConfig config);
  Router(const Router&) = delete;  // groups point into config_
  Router& operator=(const Router&) = delete;

  // Adds or updates an alert (same labels = same alert). A resolved alert
  // (ends_at <= now) flushes its groups at once. Returns the earliest flush
  // time among the groups the alert is in (nullopt: none), so a caller that
  // sleeps until NextFlush() knows whether to wake sooner.
  std::optional<Timestamp> Put(const RoutedAlert& alert, Timestamp now);

  // Returns the silence's id; kInvalidArgument for no matchers or an
  // empty time window.
  Result<std::string> AddSilence(Silence s, Timestamp now);
  bool ExpireSilence(const std::string& id, Timestamp now);
  std::vector<Silence> Silences() const;
  // Replicas: the silences all of them share, replacing this router's.
  void ReplaceSilences(std::vector<Silence> all);

  // Groups told before a restart (NotificationLog): a group's first flush
  // sends nothing when its firing alerts are exactly those it last sent,
  // less than repeat_interval ago; it goes on from there as if it had sent.
  void RestoreSent(std::map<std::string, std::pair<uint64_t, Timestamp>> sent) {
    restored_ = std::move(sent);
  }

  // Notifications due at `now`, in group creation order.
  std::vector<Notification> Flush(Timestamp now);
  // The earliest time Flush will have something to do; nullopt when idle.
  std::optional<Timestamp> NextFlush() const;

  Explanation Explain(const LabelSet& labels, Timestamp now) const;
  // Every alert the router holds with why it is (not) notified.
  std::vector<std::pair<RoutedAlert, Explanation>> Snapshot(Timestamp now) const;
  const RoutingConfig& config() const { return config_; }
  size_t alert_count() const { return alerts_.size(); }

 private:
  struct Group {
    const Route* route = nullptr;
    std::string key;
    LabelSet labels;
    std::vector<std::string> members;  // fingerprints
    std::unordered_set<std::string> member_set;
    std::map<std::string, bool> notified;  // fingerprint -> last sent as firing
    std::set<std::string> flap_told;       // flapping alerts announced as such
    Timestamp next_flush = 0;
    Timestamp last_notify = 0;  // 0: never
  };

  LabelSet GroupLabels(const Route& r, const LabelSet& labels) const;
  bool Suppressed(const RoutedAlert& a, Timestamp now) const;
  bool Inhibited(const RoutedAlert& a, Timestamp now, std::vector<std::string>* why) const;
  // Per inhibit rule: the `equal` label values of firing source alerts and
  // how many carry them. Built by Flush; used by Suppressed.
  void IndexInhibitors(Timestamp now);
  bool InhibitedIndexed(const RoutedAlert& a, Timestamp now) const;
  std::optional<Notification> FlushGroup(Group& g, Timestamp now);
  // The flapping notice for `a`, once per group; false when held.
  bool FlapNotice(Group& g, const std::string& fp, const RoutedAlert& a, Timestamp now,
                  Notification& n);

  RoutingConfig config_;
  std::unordered_map<std::string, RoutedAlert> alerts_;  // by fingerprint
  std::list<Group> groups_;                              // in creation order
  std::unordered_map<std::string, std::list<Group>::iterator> group_by_key_;
  std::vector<std::unordered_map<std::string, size_t>> inhibitors_;  // by rule
  std::map<std::string, std::pair<uint64_t, Timestamp>> restored_;   // RestoreSent
  std::map<std::string, Silence> silences_;
  uint64_t next_silence_ = 1;
  FlapDetector flaps_;
};

}  // namespace fw::alerting
