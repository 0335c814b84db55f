#include "alerting/webhook.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fw::alerting {
namespace {

using nlohmann::json;

TEST(WebhookTest, AlertmanagerPayloadRoundTrips) {
  Notification n;
  n.receiver = "oncall";
  n.group_key = "route:{alertname=\"Down\"}";
  n.group_labels = {{"alertname", "Down"}};
  n.at = 1'800'000'000'000;
  n.firing = true;
  n.alerts.push_back({{{"alertname", "Down"}, {"instance", "a"}, {"job", "shop"}},
                      {{"summary", "a down"}},
                      1'799'999'000'000,
                      0,
                      "http://fw/graph"});
  n.alerts.push_back({{{"alertname", "Down"}, {"instance", "b"}, {"job", "shop"}},
                      {{"summary", "b down"}},
                      1'799'999'000'000,
                      1'799'999'500'000,
                      ""});
  const std::string body = AlertmanagerPayload(n, "http://firewatch:9400");
  const json j = json::parse(body);
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["status"], "firing");
  EXPECT_EQ(j["commonLabels"], json({{"alertname", "Down"}, {"job", "shop"}}));
  EXPECT_EQ(j["commonAnnotations"], json::object());
  EXPECT_EQ(j["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(j["alerts"][1]["status"], "resolved");
  EXPECT_EQ(j["alerts"][0]["fingerprint"].get<std::string>().size(), 16u);
  auto back = ParseAlertmanagerPayload(body);
  ASSERT_TRUE(back) << back.error().ToString();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].labels, n.alerts[0].labels);
  EXPECT_EQ((*back)[0].ends_at, 0);
  EXPECT_EQ((*back)[1].ends_at, 1'799'999'500'000);
  EXPECT_EQ((*back)[1].annotations, n.alerts[1].annotations);
}

TEST(WebhookTest, AlertmanagerPayloadErrorsNameTheField) {
  EXPECT_EQ(ParseAlertmanagerPayload("{").error().message(), "body is not valid JSON");
  EXPECT_EQ(ParseAlertmanagerPayload(R"({"version":"3","alerts":[]})").error().message(),
            "version: expected \"4\"");
  EXPECT_EQ(ParseAlertmanagerPayload(R"({"version":"4","alerts":[{"labels":{"a":1}}]})")
                .error()
                .message(),
            "alerts[0].: labels.a: expected a string");
  EXPECT_EQ(
      ParseAlertmanagerPayload(R"({"version":"4","alerts":[{"labels":{"a":"b"},"startsAt":"x"}]})")
          .error()
          .message()
          .substr(0, 22),
      "alerts[0].: startsAt: ");
}

TEST(WebhookTest, PagerDutyEventsV2) {
  auto e = ParsePagerDutyEvent(R"({"routing_key":"R0123456789abcdef0123456789abcdef",
      "event_action":"trigger","dedup_key":"db-pool",
      "payload":{"summary":"DB pool exhausted","source":"app-1","severity":"critical",
                 "custom_details":{"active":95}}})",
                               1000);
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->dedup_key, "db-pool");
  EXPECT_EQ(e->timestamp, 1000);
  RoutedAlert a = ToRoutedAlert(*e, 1000);
  EXPECT_EQ(a.labels.Get("severity"), "critical");
  EXPECT_EQ(a.annotations[1].second, R"({"active":95})");
  auto generated = ParsePagerDutyEvent(
      R"({"routing_key":"abcdefghij","event_action":"trigger",
          "payload":{"summary":"s","source":"x","severity":"info"}})",
      77);
  EXPECT_EQ(generated->dedup_key, "abcdefgh-77");
  EXPECT_EQ(
      ParsePagerDutyEvent(R"({"routing_key":"k","event_action":"resolve"})", 0).error().message(),
      "dedup_key: required to resolve");
  EXPECT_EQ(ParsePagerDutyEvent(R"({"routing_key":"k","event_action":"trigger",
      "payload":{"summary":"s","source":"x","severity":"fatal"}})",
                                0)
                .error()
                .message(),
            "payload.severity: expected critical, error, warning or info");
  EXPECT_EQ(ParsePagerDutyEvent(R"({"event_action":"trigger"})", 0).error().message(),
            "routing_key: required");
  auto change = ParsePagerDutyChange(
      R"({"routing_key":"k","payload":{"summary":"deploy checkout v2.4.1","source":"ci",
          "timestamp":"2026-11-25T10:00:00Z"},"links":[{"href":"http://ci/1"}]})",
      0);
  ASSERT_TRUE(change) << change.error().ToString();
  EXPECT_EQ(change->links, std::vector<std::string>{"http://ci/1"});
  EXPECT_EQ(FormatRfc3339Millis(change->timestamp), "2026-11-25T10:00:00.000Z");
}

}  // namespace
}  // namespace fw::alerting
