#pragma once
// Alertmanager's routing configuration: the route tree, receivers and
// inhibition rules, with Alertmanager's keys and defaults, so an existing
// alertmanager.yml `route:` block works as written.
//
//   route:
//     receiver: oncall               # required at the root
//     group_by: [alertname]          # ['...'] groups by every label
//     group_wait: 30s                # defaults: 30s, 5m, 4h; children inherit
//     group_interval: 5m
//     repeat_interval: 4h
//     routes:
//       - matchers: ['severity="critical"']
//         receiver: pager
//         continue: true
//         mute_time_intervals: [weekly-maintenance]   # see time_interval.h
//         active_time_intervals: [business-hours]
//   receivers:
//     - name: oncall
//       webhook_configs: [{url: "http://127.0.0.1:9999/hook", send_resolved: true}]
//   inhibit_rules:
//     - source_matchers: [severity="critical"]
//       target_matchers: [severity="warning"]
//       equal: [alertname, service]
//
// Matching is Alertmanager's: depth first; a route whose matchers match
// takes the alert unless one of its children does; siblings after a
// matching child are tried only if that child has `continue: true`.
// mute_time_intervals / active_time_intervals name entries of the top-level
// `time_intervals`; as in Alertmanager they are not inherited by child
// routes and the root route cannot have them. A route is muted while any of
// its mute intervals, or none of its active intervals (when it has some),
// contains the current time. `flap_detection` is in flap.h.

#include <memory>
#include <string>
#include <vector>

#include "alerting/flap.h"
#include "alerting/matchers.h"
#include "alerting/time_interval.h"
#include "common/duration.h"
#include "common/yaml_reader.h"

namespace fw::alerting {

struct Route {
  std::string receiver;
  std::vector<std::string> group_by;
  bool group_by_all = false;  // group_by: ['...']
  Millis group_wait{30'000};
  Millis group_interval{300'000};
  Millis repeat_interval{4 * 3'600'000};
  std::vector<Matcher> matchers;
  bool continue_matching = false;
  std::vector<Route> routes;
  std::string id;  // position in the tree: "route", "route.routes[1]", ...
  std::vector<std::string> mute_time_intervals;    // names in RoutingConfig::time_intervals
  std::vector<std::string> active_time_intervals;  // empty: always active

  // The routes that take an alert with these labels (at least one when the
  // root's matchers match; the root has none, so always).
  std::vector<const Route*> Match(const LabelSet& labels) const;
};

// A receiver's destinations (Alertmanager's keys where they exist). Every
// kind is delivered through the durable outbox with retries; see
// receivers.h for the bodies.
struct WebhookConfig {
  std::string url;
  bool send_resolved = true;
  uint64_t max_alerts = 0;  // 0: all; past it the body says truncatedAlerts
  // `format`: the Alertmanager v4 body (default) or firewatch's own JSON.
  enum class Format { kAlertmanager, kFirewatch } format = Format::kAlertmanager;
};

struct SlackConfig {
  std::string api_url;            // the incoming-webhook URL
  std::string channel, username;  // optional overrides
  bool send_resolved = false;     // as Alertmanager
};

struct PagerDutyConfig {
  std::string routing_key;  // the integration key
  std::string url = "https://events.pagerduty.com/v2/enqueue";
  std::string severity;  // critical|error|warning|info; empty: from the alerts' severity label
  bool send_resolved = true;
};

// A program run with the notification (firewatch JSON) on its stdin: argv,
// never a shell. Exit status 0 is delivered; another is retried.
struct ExecConfig {
  std::vector<std::string> command;
  Millis timeout{30'000};
  bool send_resolved = true;
};

struct Receiver {
  std::string name;
  std::vector<WebhookConfig> webhooks;
  std::vector<SlackConfig> slack;
  std::vector<PagerDutyConfig> pagerduty;
  std::vector<ExecConfig> exec;
};

struct InhibitRule {
  std::vector<Matcher> source;
  std::vector<Matcher> target;
  std::vector<std::string> equal;
};

struct RoutingConfig {
  Route root;
  std::vector<Receiver> receivers;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<NamedTimeInterval> time_intervals;
  FlapDetectionConfig flap_detection;
  const Receiver* FindReceiver(const std::string& name) const;
  const NamedTimeInterval* FindTimeInterval(const std::string& name) const;
  // Why `route` is muted at `now` ("mute_time_intervals: weekly-maintenance"),
  // or "" when it may notify.
  std::string MutedBy(const Route& route, Timestamp now) const;
};

// Reads `route`, `receivers`, `inhibit_rules`, `time_intervals` and
// `flap_detection` from a config document
// (other keys are the caller's). Problems go to `r`; the result is only
// meaningful when r.ok(). Without a `route`, an empty config (no routing).
RoutingConfig ParseRouting(YamlReader& r, const YAML::Node& doc);

}  // namespace fw::alerting
