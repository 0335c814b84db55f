#pragma once
// Alert payloads on the wire, both ways:
//  - out: Alertmanager's webhook payload (version 4), what a webhook
//    receiver gets from firewatch exactly as it would from Alertmanager;
//  - in: the same payload from a real Alertmanager, and PagerDuty Events
//    API v2 events (trigger / acknowledge / resolve with dedup_key, and
//    change events), so existing senders can point at firewatch.
// Parsing validates like the originals do and names the bad field. Bodies
// nested deeper than kMaxJsonDepth and alerts whose labels break
// kIntakeLabelLimits (common/label_limits.h) are refused.

#include <string>
#include <string_view>
#include <vector>

#include "alerting/router.h"
#include "common/error.h"

namespace fw::alerting {

// The Alertmanager v4 webhook JSON for a notification; `truncated` alerts
// were left out (max_alerts).
std::string AlertmanagerPayload(const Notification& n, const std::string& external_url,
                                uint64_t truncated = 0);

// Alerts from an Alertmanager v4 webhook body. Resolved alerts carry ends_at.
Result<std::vector<RoutedAlert>> ParseAlertmanagerPayload(std::string_view body);

struct PagerDutyEvent {
  enum class Action { kTrigger, kAcknowledge, kResolve } action = Action::kTrigger;
  std::string routing_key;
  std::string dedup_key;  // generated for a trigger without one
  std::string summary, source, severity, component, group, event_class;
  Timestamp timestamp = 0;          // 0 when not given
  std::string custom_details_json;  // as sent, "{}" when absent
};

// One Events API v2 event (POST /v2/enqueue). `now` stamps and seeds the
// generated dedup_key.
Result<PagerDutyEvent> ParsePagerDutyEvent(std::string_view body, Timestamp now);

struct ChangeEvent {
  std::string routing_key;
  std::string summary, source;
  Timestamp timestamp = 0;
  std::string custom_details_json;
  std::vector<std::string> links;  // hrefs
};

// A change event (POST /v2/change/enqueue).
Result<ChangeEvent> ParsePagerDutyChange(std::string_view body, Timestamp now);

// A PagerDuty event as an alert for the router: labels alertname (summary's
// first words are too unstable, so "PagerDutyEvent"), dedup_key, source,
// severity, component, group, class; annotation summary.
RoutedAlert ToRoutedAlert(const PagerDutyEvent& e, Timestamp now);

}  // namespace fw::alerting

namespace fw::alerting {

// Alerts as Prometheus posts them to Alertmanager's API v2 (POST
// /api/v2/alerts): a JSON array of {labels, annotations, startsAt, endsAt,
// generatorURL}. endsAt is a lease: the alert resolves when it passes
// without being re-sent.
Result<std::vector<RoutedAlert>> ParseAlertmanagerApiAlerts(std::string_view body, Timestamp now);

}  // namespace fw::alerting
