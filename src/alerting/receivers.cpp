#include "alerting/receivers.h"

#include <nlohmann/json.hpp>

#include "alerting/webhook.h"

namespace fw::alerting {
namespace {

using json = nlohmann::json;

constexpr std::string_view kExecScheme = "exec:";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json LabelsObject(const LabelSet& labels) {
  json o = json::object();
  for (const Label& l : labels.labels()) o[l.name] = l.value;
  return o;
}

std::string Annotation(const RoutedAlert& a, std::string_view key) {
  for (const auto& [k, v] : a.annotations) {
    if (k == key) return v;
  }
  return "";
}

size_t Firing(const Notification& n) {
  size_t firing = 0;
  for (const RoutedAlert& a : n.alerts) firing += !a.resolved(n.at);
  return firing;
}

// "[FIRING:2] HighErrorRate checkout", as Alertmanager's default title.
std::string Title(const Notification& n) {
  std::string title = n.firing ? "[FIRING:" + std::to_string(Firing(n)) + "]" : "[RESOLVED]";
  for (const Label& l : n.group_labels.labels()) title += " " + l.value;
  return title;
}

// One line per alert: its summary (or description), else its labels.
std::string AlertLine(const RoutedAlert& a, Timestamp at) {
  std::string text = Annotation(a, "summary");
  if (text.empty()) text = Annotation(a, "description");
  if (text.empty()) text = a.labels.ToString();
  return std::string(a.resolved(at) ? "resolved: " : "") + text;
}

std::string PagerDutySeverity(const Notification& n, const PagerDutyConfig& c) {
  if (!c.severity.empty()) return c.severity;
  // The most severe label among the alerts; PagerDuty knows four levels.
  int best = -1;
  static constexpr std::string_view kLevels[] = {"info", "warning", "error", "critical"};
  for (const RoutedAlert& a : n.alerts) {
    std::string s(a.labels.Get("severity"));
    if (s == "page") s = "critical";
    for (int i = 0; i < 4; ++i) {
      if (s == kLevels[i]) best = std::max(best, i);
    }
  }
  return std::string(best < 0 ? "error" : kLevels[best]);
}

// The alerts a destination with `max_alerts` gets, and how many it does not.
Notification Cut(const Notification& n, uint64_t max_alerts, uint64_t& truncated) {
  truncated = 0;
  if (max_alerts == 0 || n.alerts.size() <= max_alerts) return n;
  Notification cut = n;
  truncated = n.alerts.size() - max_alerts;
  cut.alerts.resize(max_alerts);
  return cut;
}

}  // namespace

std::string SlackEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FirewatchPayload(const Notification& n, const std::string& external_url,
                             uint64_t truncated) {
  json alerts = json::array();
  for (const RoutedAlert& a : n.alerts) {
    json annotations = json::object();
    for (const auto& [k, v] : a.annotations) annotations[k] = v;
    alerts.push_back({{"status", a.resolved(n.at) ? "resolved" : "firing"},
                      {"labels", LabelsObject(a.labels)},
                      {"annotations", annotations},
                      {"starts_at", FormatRfc3339Millis(a.starts_at)},
                      {"ends_at", a.ends_at ? json(FormatRfc3339Millis(a.ends_at)) : json()},
                      {"fingerprint", Fingerprint(a.labels)},
                      {"generator_url", a.generator_url}});
  }
  return Dump({{"version", "firewatch/1"},
               {"receiver", n.receiver},
               {"status", n.firing ? "firing" : "resolved"},
               {"group_key", n.group_key},
               {"group_labels", LabelsObject(n.group_labels)},
               {"external_url", external_url},
               {"truncated_alerts", truncated},
               {"alerts", alerts}});
}

std::string SlackPayload(const Notification& n, const SlackConfig& c,
                         const std::string& external_url) {
  std::string text = "*" + SlackEscape(Title(n)) + "*";
  for (const RoutedAlert& a : n.alerts) text += "\n• " + SlackEscape(AlertLine(a, n.at));
  if (!external_url.empty()) text += "\n<" + external_url + "|firewatch>";
  json body = {{"text", text}};
  if (!c.channel.empty()) body["channel"] = c.channel;
  if (!c.username.empty()) body["username"] = c.username;
  return Dump(body);
}

std::string PagerDutyPayload(const Notification& n, const PagerDutyConfig& c,
                             const std::string& external_url) {
  json details = json::object();
  json lines = json::array();
  for (const RoutedAlert& a : n.alerts) lines.push_back(AlertLine(a, n.at));
  details["alerts"] = lines;
  details["group_labels"] = LabelsObject(n.group_labels);
  // Events v2 caps dedup_key at 255 characters; group keys rarely come close.
  std::string dedup = n.group_key.size() <= 255 ? n.group_key : n.group_key.substr(0, 255);
  json body = {{"routing_key", c.routing_key},
               {"event_action", n.firing ? "trigger" : "resolve"},
               {"dedup_key", dedup},
               {"client", "firewatch"},
               {"payload",
                {{"summary", Title(n).substr(0, 1024)},
                 {"source", "firewatch"},
                 {"severity", PagerDutySeverity(n, c)},
                 {"custom_details", details}}}};
  if (!external_url.empty()) body["client_url"] = external_url;  // PagerDuty wants a URL or none
  return Dump(body);
}

std::string ExecUrl(const ExecConfig& c) {
  return std::string(kExecScheme) +
         Dump({{"argv", c.command}, {"timeout_ms", static_cast<int64_t>(c.timeout.count())}});
}

bool IsExecUrl(std::string_view url) { return url.starts_with(kExecScheme); }

Result<ExecTarget> ParseExecUrl(std::string_view url) {
  if (!IsExecUrl(url)) return Fail(ErrorCode::kInvalidArgument, "not an exec destination");
  const json j = json::parse(url.substr(kExecScheme.size()), nullptr, false);
  if (!j.is_object() || !j.contains("argv") || !j["argv"].is_array() || j["argv"].empty()) {
    return Fail(ErrorCode::kInvalidArgument, "malformed exec destination");
  }
  ExecTarget t;
  for (const json& a : j["argv"]) {
    if (!a.is_string()) return Fail(ErrorCode::kInvalidArgument, "malformed exec destination");
    t.argv.push_back(a.get<std::string>());
  }
  if (j.contains("timeout_ms") && j["timeout_ms"].is_number_integer()) {
    t.timeout = Millis(j["timeout_ms"].get<int64_t>());
  }
  return t;
}

std::vector<Delivery> DeliveriesFor(const Notification& n, const Receiver& r,
                                    const std::string& external_url) {
  std::vector<Delivery> out;
  auto add = [&](bool send_resolved, std::string url, std::string body) {
    if (!n.firing && !send_resolved) return;
    out.push_back({"", n.receiver, std::move(url), std::move(body), 0, NotificationPriority(n)});
  };
  for (const WebhookConfig& w : r.webhooks) {
    uint64_t truncated = 0;
    const Notification cut = Cut(n, w.max_alerts, truncated);
    add(w.send_resolved, w.url,
        w.format == WebhookConfig::Format::kFirewatch
            ? FirewatchPayload(cut, external_url, truncated)
            : AlertmanagerPayload(cut, external_url, truncated));
  }
  for (const SlackConfig& c : r.slack) {
    add(c.send_resolved, c.api_url, SlackPayload(n, c, external_url));
  }
  for (const PagerDutyConfig& c : r.pagerduty) {
    add(c.send_resolved, c.url, PagerDutyPayload(n, c, external_url));
  }
  for (const ExecConfig& c : r.exec) {
    add(c.send_resolved, ExecUrl(c), FirewatchPayload(n, external_url));
  }
  return out;
}

}  // namespace fw::alerting
