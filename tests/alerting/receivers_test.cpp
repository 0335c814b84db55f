// Receivers: what one notification becomes for each kind of destination, and
// the config errors for each kind.
#include "alerting/receivers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fw::alerting {
namespace {

using nlohmann::json;

RoutingConfig Config(const std::string& yaml, std::vector<std::string>* errors = nullptr) {
  YamlReader r("fw.yml");
  auto doc = LoadYaml(yaml, "fw.yml");
  EXPECT_TRUE(doc) << doc.error().ToString();
  RoutingConfig cfg = ParseRouting(r, *doc);
  for (const Error& e : r.errors()) {
    if (errors) {
      errors->push_back(e.ToString());
    } else {
      ADD_FAILURE() << e.ToString();
    }
  }
  return cfg;
}

const char* kAllKinds = R"(
route: {receiver: oncall, group_by: [alertname, service]}
receivers:
  - name: oncall
    webhook_configs:
      - {url: "http://127.0.0.1:9/am", max_alerts: 1}
      - {url: "http://127.0.0.1:9/fw", format: firewatch, send_resolved: false}
    slack_configs:
      - {api_url: "https://hooks.slack.example/T0/B0/x", channel: "#incidents"}
    pagerduty_configs:
      - {routing_key: "R0UTING", url: "http://127.0.0.1:9/v2/enqueue"}
    exec_configs:
      - {command: [/usr/local/bin/notify, --team, db], timeout: 5s}
)";

RoutedAlert Alert(const std::string& instance, std::string severity, Timestamp ends = 0) {
  RoutedAlert a;
  a.labels = LabelSet({{"alertname", "HighErrorRate"},
                       {"instance", instance},
                       {"service", "checkout"},
                       {"severity", std::move(severity)}});
  a.annotations = {{"summary", "errors on " + instance + " are 45% (normal < 1%)"}};
  a.starts_at = 1'768'485'600'000;
  a.ends_at = ends;
  return a;
}

Notification Firing() {
  Notification n;
  n.receiver = "oncall";
  n.group_key = "route:{alertname=\"HighErrorRate\", service=\"checkout\"}";
  n.group_labels = LabelSet({{"alertname", "HighErrorRate"}, {"service", "checkout"}});
  n.alerts = {Alert("i-1", "warning"), Alert("i-2", "critical")};
  n.firing = true;
  n.at = 1'768'485'660'000;
  return n;
}

TEST(ReceiversTest, EachKindGetsTheBodyItExpects) {
  const RoutingConfig cfg = Config(kAllKinds);
  const Receiver* r = cfg.FindReceiver("oncall");
  ASSERT_TRUE(r);
  const std::vector<Delivery> out = DeliveriesFor(Firing(), *r, "http://fw:9400");
  ASSERT_EQ(out.size(), 5u);

  const json am = json::parse(out[0].body);
  EXPECT_EQ(out[0].url, "http://127.0.0.1:9/am");
  EXPECT_EQ(am["version"], "4");
  EXPECT_EQ(am["alerts"].size(), 1u) << "max_alerts: 1";
  EXPECT_EQ(am["truncatedAlerts"], 1);

  const json fw = json::parse(out[1].body);
  EXPECT_EQ(fw["version"], "firewatch/1");
  EXPECT_EQ(fw["status"], "firing");
  EXPECT_EQ(fw["alerts"][1]["labels"]["instance"], "i-2");
  EXPECT_TRUE(fw["alerts"][1]["ends_at"].is_null());

  const json slack = json::parse(out[2].body);
  EXPECT_EQ(out[2].url, "https://hooks.slack.example/T0/B0/x");
  EXPECT_EQ(slack["channel"], "#incidents");
  EXPECT_EQ(slack["text"],
            "*[FIRING:2] HighErrorRate checkout*\n• errors on i-1 are 45% (normal &lt; 1%)\n"
            "• errors on i-2 are 45% (normal &lt; 1%)\n<http://fw:9400|firewatch>")
      << "Slack markup characters in the alerts are escaped; the link is markup";

  const json pd = json::parse(out[3].body);
  EXPECT_EQ(pd["routing_key"], "R0UTING");
  EXPECT_EQ(pd["event_action"], "trigger");
  EXPECT_EQ(pd["dedup_key"], Firing().group_key) << "one PagerDuty incident per group";
  EXPECT_EQ(pd["payload"]["severity"], "critical") << "the most severe alert's";
  EXPECT_EQ(pd["payload"]["summary"], "[FIRING:2] HighErrorRate checkout");
  EXPECT_EQ(pd["payload"]["source"], "firewatch");
  EXPECT_EQ(pd["client_url"], "http://fw:9400");
  EXPECT_FALSE(json::parse(DeliveriesFor(Firing(), *r, "")[3].body).contains("client_url"))
      << "no empty URL for PagerDuty to refuse";

  ASSERT_TRUE(IsExecUrl(out[4].url));
  auto target = ParseExecUrl(out[4].url);
  ASSERT_TRUE(target) << target.error().ToString();
  EXPECT_EQ(target->argv, (std::vector<std::string>{"/usr/local/bin/notify", "--team", "db"}));
  EXPECT_EQ(target->timeout, std::chrono::seconds(5));
  EXPECT_EQ(json::parse(out[4].body)["version"], "firewatch/1");
}

TEST(ReceiversTest, ResolutionsGoOnlyWhereSendResolvedIsSet) {
  const RoutingConfig cfg = Config(kAllKinds);
  Notification n = Firing();
  n.firing = false;
  for (RoutedAlert& a : n.alerts) a.ends_at = n.at - 1;
  const std::vector<Delivery> out = DeliveriesFor(n, *cfg.FindReceiver("oncall"), "");
  // The Alertmanager webhook, PagerDuty and exec send resolutions by default;
  // the firewatch webhook was told not to, and Slack does not by default.
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].url, "http://127.0.0.1:9/am");
  const json pd = json::parse(out[1].body);
  EXPECT_EQ(pd["event_action"], "resolve");
  EXPECT_TRUE(IsExecUrl(out[2].url));
}

TEST(ReceiversTest, ConfigErrorsNameTheField) {
  std::vector<std::string> errors;
  Config(R"(
route: {receiver: x}
receivers:
  - name: x
    webhook_configs: [{url: "http://a/b", format: xml}]
    slack_configs: [{channel: "#c"}]
    pagerduty_configs: [{severity: loud}]
    exec_configs: [{command: [], timeout: soon}]
)",
         &errors);
  const std::vector<std::string> want = {
      "webhook_configs[0].format: expected alertmanager or firewatch",
      "slack_configs[0].api_url: expected the incoming webhook's http(s):// URL",
      "pagerduty_configs[0].routing_key: required",
      "pagerduty_configs[0].severity: expected critical, error, warning or info",
      "exec_configs[0].timeout: expected a duration",
      "exec_configs[0].command: required",
  };
  for (const std::string& w : want) {
    bool found = false;
    for (const std::string& e : errors) found = found || e.find(w) != std::string::npos;
    EXPECT_TRUE(found) << w << "\nin:\n" << ::testing::PrintToString(errors);
  }
}

}  // namespace
}  // namespace fw::alerting
