#include "alerting/webhook.h"

#include <nlohmann/json.hpp>

#include "common/label_limits.h"
#include "common/text.h"

namespace fw::alerting {
namespace {

using nlohmann::json;

// Go's zero time, which Alertmanager writes for "no end yet".
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

json LabelsJson(const LabelSet& l) {
  json out = json::object();
  for (const Label& x : l.labels()) out[x.name] = x.value;
  return out;
}

json PairsJson(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json out = json::object();
  for (const auto& [k, v] : pairs) out[k] = v;
  return out;
}

// Label pairs every alert of the notification shares.
LabelSet Common(const std::vector<LabelSet>& sets) {
  if (sets.empty()) return {};
  LabelSet out = sets[0];
  for (const Label& l : sets[0].labels()) {
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i].Get(l.name) != l.value) {
        out.Set(l.name, "");
        break;
      }
    }
  }
  return out;
}

std::unexpected<Error> Bad(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, what);
}

Result<Timestamp> TimeField(const json& obj, const char* key, Timestamp fallback) {
  if (!obj.contains(key) || obj[key].is_null()) return fallback;
  if (!obj[key].is_string()) return Bad(std::string(key) + ": expected an RFC 3339 time");
  const std::string s = obj[key].get<std::string>();
  if (s.empty() || s.starts_with("0001-01-01")) return Timestamp{0};
  auto t = ParseTimestamp(s);
  if (!t) return Bad(std::string(key) + ": " + t.error().message());
  return *t;
}

Result<LabelSet> StringMap(const json& obj, const char* key, bool required) {
  if (!obj.contains(key)) {
    if (required) return Bad(std::string(key) + ": required");
    return LabelSet{};
  }
  if (!obj[key].is_object()) return Bad(std::string(key) + ": expected an object of strings");
  std::vector<Label> out;
  for (const auto& [k, v] : obj[key].items()) {
    if (!v.is_string()) return Bad(std::string(key) + "." + k + ": expected a string");
    out.push_back({k, v.get<std::string>()});
  }
  return LabelSet(std::move(out));
}

std::string Str(const json& obj, const char* key) {
  return obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : "";
}

Result<json> ParseObject(std::string_view body) {
  if (auto depth = CheckJsonDepth(body); !depth) return Fail(depth.error());
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("body is not valid JSON");
  if (!doc.is_object()) return Bad("body must be a JSON object");
  return doc;
}

}  // namespace

std::string AlertmanagerPayload(const Notification& n, const std::string& external_url,
                                uint64_t truncated) {
  std::vector<LabelSet> labels, annotations;
  json alerts = json::array();
  for (const RoutedAlert& a : n.alerts) {
    const bool resolved = a.resolved(n.at);
    labels.push_back(a.labels);
    std::vector<Label> ann;
    for (const auto& [k, v] : a.annotations) ann.push_back({k, v});
    annotations.push_back(LabelSet(std::move(ann)));
    alerts.push_back({{"status", resolved ? "resolved" : "firing"},
                      {"labels", LabelsJson(a.labels)},
                      {"annotations", PairsJson(a.annotations)},
                      {"startsAt", FormatRfc3339Millis(a.starts_at)},
                      {"endsAt", a.ends_at ? FormatRfc3339Millis(a.ends_at) : kZeroTime},
                      {"generatorURL", a.generator_url},
                      {"fingerprint", Fingerprint(a.labels)}});
  }
  const json payload = {{"version", "4"},
                        {"groupKey", n.group_key},
                        {"truncatedAlerts", truncated},
                        {"status", n.firing ? "firing" : "resolved"},
                        {"receiver", n.receiver},
                        {"groupLabels", LabelsJson(n.group_labels)},
                        {"commonLabels", LabelsJson(Common(labels))},
                        {"commonAnnotations", LabelsJson(Common(annotations))},
                        {"externalURL", external_url},
                        {"alerts", alerts}};
  return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// One alert object as both Alertmanager formats write it; `where` prefixes
// errors, `default_start` stands in for a missing startsAt.
Result<RoutedAlert> ParseAlert(const json& a, const std::string& where, Timestamp default_start) {
  if (!a.is_object()) return Bad(where + ": expected an object");
  auto labels = StringMap(a, "labels", true);
  if (!labels) return Fail(labels.error().WithContext(where));
  if (labels->empty()) return Bad(where + "labels: an alert needs at least one label");
  // Alert intake holds labels to the same limits as remote write (UTF-8 is
  // checked by the JSON parser): the alert is refused, and with it the post.
  if (auto ok = CheckLabels(labels->labels(), kIntakeLabelLimits, labels->Get("alertname")); !ok) {
    return Bad(where + "labels: " + ok.error().message());
  }
  auto annotations = StringMap(a, "annotations", false);
  if (!annotations) return Fail(annotations.error().WithContext(where));
  auto starts = TimeField(a, "startsAt", default_start);
  auto ends = TimeField(a, "endsAt", 0);
  if (!starts) return Fail(starts.error().WithContext(where));
  if (!ends) return Fail(ends.error().WithContext(where));
  RoutedAlert r{*labels, {}, *starts ? *starts : default_start, *ends, Str(a, "generatorURL")};
  for (const Label& l : annotations->labels()) r.annotations.push_back({l.name, l.value});
  return r;
}

}  // namespace

Result<std::vector<RoutedAlert>> ParseAlertmanagerPayload(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc) return Fail(doc.error());
  if (Str(*doc, "version") != "4") return Bad("version: expected \"4\"");
  if (!doc->contains("alerts") || !(*doc)["alerts"].is_array()) {
    return Bad("alerts: expected a list");
  }
  std::vector<RoutedAlert> out;
  const json& alerts = (*doc)["alerts"];
  for (size_t i = 0; i < alerts.size(); ++i) {
    auto r = ParseAlert(alerts[i], "alerts[" + std::to_string(i) + "].", 0);
    if (!r) return Fail(r.error());
    if (Str(alerts[i], "status") == "firing") r->ends_at = 0;  // endsAt is a lease, not an end
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::vector<RoutedAlert>> ParseAlertmanagerApiAlerts(std::string_view body, Timestamp now) {
  if (auto depth = CheckJsonDepth(body); !depth) return Fail(depth.error());
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("body is not valid JSON");
  if (!doc.is_array()) return Bad("body must be a JSON array of alerts");
  std::vector<RoutedAlert> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto r = ParseAlert(doc[i], "[" + std::to_string(i) + "].", now);
    if (!r) return Fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<PagerDutyEvent> ParsePagerDutyEvent(std::string_view body, Timestamp now) {
  auto doc = ParseObject(body);
  if (!doc) return Fail(doc.error());
  PagerDutyEvent e;
  e.routing_key = Str(*doc, "routing_key");
  if (e.routing_key.empty()) return Bad("routing_key: required");
  const std::string action = Str(*doc, "event_action");
  if (action == "trigger") {
    e.action = PagerDutyEvent::Action::kTrigger;
  } else if (action == "acknowledge") {
    e.action = PagerDutyEvent::Action::kAcknowledge;
  } else if (action == "resolve") {
    e.action = PagerDutyEvent::Action::kResolve;
  } else {
    return Bad("event_action: expected trigger, acknowledge or resolve");
  }
  e.dedup_key = Str(*doc, "dedup_key");
  if (e.dedup_key.size() > 255) return Bad("dedup_key: longer than 255 characters");
  if (e.action != PagerDutyEvent::Action::kTrigger) {
    if (e.dedup_key.empty()) return Bad("dedup_key: required to " + action);
    return e;
  }
  if (!doc->contains("payload") || !(*doc)["payload"].is_object()) return Bad("payload: required");
  const json& p = (*doc)["payload"];
  e.summary = Str(p, "summary");
  e.source = Str(p, "source");
  e.severity = Str(p, "severity");
  if (e.summary.empty()) return Bad("payload.summary: required");
  if (e.summary.size() > 1024) return Bad("payload.summary: longer than 1024 characters");
  if (e.source.empty()) return Bad("payload.source: required");
  if (e.severity != "critical" && e.severity != "error" && e.severity != "warning" &&
      e.severity != "info") {
    return Bad("payload.severity: expected critical, error, warning or info");
  }
  e.component = Str(p, "component");
  e.group = Str(p, "group");
  e.event_class = Str(p, "class");
  auto ts = TimeField(p, "timestamp", now);
  if (!ts) return Fail(ts.error().WithContext("payload"));
  e.timestamp = *ts;
  e.custom_details_json =
      p.contains("custom_details")
          ? p["custom_details"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          : "{}";
  if (e.dedup_key.empty()) e.dedup_key = e.routing_key.substr(0, 8) + "-" + std::to_string(now);
  // The fields become alert labels: the same limits as any other alert.
  const RoutedAlert as_alert = ToRoutedAlert(e, now);
  if (auto ok = CheckLabels(as_alert.labels.labels(), kIntakeLabelLimits, "PagerDutyEvent"); !ok) {
    return Bad("payload: " + ok.error().message());
  }
  if (e.summary.size() > kIntakeLabelLimits.label_value_length_limit) {
    return Bad("payload.summary: " + std::to_string(e.summary.size()) +
               " bytes, over the limit of " +
               std::to_string(kIntakeLabelLimits.label_value_length_limit));
  }
  return e;
}

Result<ChangeEvent> ParsePagerDutyChange(std::string_view body, Timestamp now) {
  auto doc = ParseObject(body);
  if (!doc) return Fail(doc.error());
  ChangeEvent c;
  c.routing_key = Str(*doc, "routing_key");
  if (c.routing_key.empty()) return Bad("routing_key: required");
  if (!doc->contains("payload") || !(*doc)["payload"].is_object()) return Bad("payload: required");
  const json& p = (*doc)["payload"];
  c.summary = Str(p, "summary");
  if (c.summary.empty()) return Bad("payload.summary: required");
  if (c.summary.size() > 1024) return Bad("payload.summary: longer than 1024 characters");
  c.source = Str(p, "source");
  auto ts = TimeField(p, "timestamp", now);
  if (!ts) return Fail(ts.error().WithContext("payload"));
  c.timestamp = *ts;
  c.custom_details_json =
      p.contains("custom_details")
          ? p["custom_details"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          : "{}";
  if (doc->contains("links") && (*doc)["links"].is_array()) {
    for (const json& l : (*doc)["links"]) c.links.push_back(Str(l, "href"));
  }
  return c;
}

RoutedAlert ToRoutedAlert(const PagerDutyEvent& e, Timestamp now) {
  LabelSet labels{{"alertname", e.event_class.empty() ? "PagerDutyEvent" : e.event_class},
                  {"dedup_key", e.dedup_key},
                  {"severity", e.severity},
                  {"source", e.source},
                  {"component", e.component},
                  {"group", e.group}};
  RoutedAlert a{
      std::move(labels), {{"summary", e.summary}}, e.timestamp ? e.timestamp : now, 0, ""};
  if (e.custom_details_json != "{}")
    a.annotations.push_back({"custom_details", e.custom_details_json});
  return a;
}

}  // namespace fw::alerting
