#pragma once
// What one notification becomes for one receiver: a delivery per
// destination, each body in the shape its destination expects.
//  - webhook_configs: Alertmanager's v4 body (webhook.h), or with
//    `format: firewatch` firewatch's own JSON (FirewatchPayload); past
//    max_alerts the alerts are cut and the body says how many.
//  - slack_configs: an incoming-webhook message: {"text"} with a
//    "[FIRING:2] HighErrorRate checkout" title and one line per alert, plus
//    "channel"/"username" when configured (&, <, > in alert text escaped).
//  - pagerduty_configs: an Events API v2 "trigger" (or "resolve" once every
//    alert of the group resolved) whose dedup_key is the group key, so the
//    whole group is one PagerDuty incident.
//  - exec_configs: firewatch's JSON on the program's stdin; the delivery's
//    url is "exec:" followed by the argv and timeout as JSON (ExecUrl).
// A notification with nothing firing goes only where send_resolved is set.
// Every delivery passes through the durable outbox, so retries and restarts
// treat all kinds alike.

#include <string>
#include <string_view>
#include <vector>

#include "alerting/outbox.h"
#include "alerting/route.h"
#include "alerting/router.h"

namespace fw::alerting {

std::vector<Delivery> DeliveriesFor(const Notification& n, const Receiver& r,
                                    const std::string& external_url);

// {"version": "firewatch/1", "receiver", "status", "group_key",
//  "group_labels", "external_url", "truncated_alerts", "alerts": [{"status",
//  "labels", "annotations", "starts_at", "ends_at" (null while firing),
//  "fingerprint", "generator_url"}]}; times RFC 3339.
std::string FirewatchPayload(const Notification& n, const std::string& external_url,
                             uint64_t truncated = 0);
// Slack reads &, < and > in message text as markup (links, mentions).
std::string SlackEscape(std::string_view text);
std::string SlackPayload(const Notification& n, const SlackConfig& c,
                         const std::string& external_url);
std::string PagerDutyPayload(const Notification& n, const PagerDutyConfig& c,
                             const std::string& external_url);

// An exec destination as a delivery url, and back (kInvalidArgument when
// `url` is not one).
struct ExecTarget {
  std::vector<std::string> argv;
  Millis timeout{30'000};
};
std::string ExecUrl(const ExecConfig& c);
bool IsExecUrl(std::string_view url);
Result<ExecTarget> ParseExecUrl(std::string_view url);

}  // namespace fw::alerting
