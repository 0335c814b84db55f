// Alert storms in the router, the notification log and the incident
// service (label hardening, issue #14): cost per alert independent of group
// size, pages ranked first, a restart not re-sending what was sent, and the
// batched incident path giving what the alert-by-alert one gives.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "alerting/notification_log.h"
#include "alerting/router.h"
#include "common/yaml_reader.h"
#include "incident/service.h"
#include "incident/sqlite_store.h"

namespace fw::alerting {
namespace {

constexpr Timestamp kS = 1000;
constexpr Timestamp kT0 = 1'768'485'600'000;

RoutingConfig Config() {
  const char* yaml = R"(
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
receivers:
  - name: oncall
    webhook_configs: [{url: "http://127.0.0.1:9/a"}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
)";
  YamlReader r("am.yml");
  auto doc = LoadYaml(yaml, "am.yml");
  EXPECT_TRUE(doc);
  RoutingConfig cfg = ParseRouting(r, *doc);
  for (const Error& e : r.errors()) ADD_FAILURE() << e.ToString();
  return cfg;
}

RoutedAlert Storm(int i, const std::string& severity = "warning") {
  return {LabelSet{{"alertname", "InstanceDown"},
                   {"instance", "host-" + std::to_string(i)},
                   {"cluster", "c" + std::to_string(i % 50)},
                   {"severity", severity}},
          {},
          kT0,
          0,
          ""};
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// n alerts into one group (with inhibition on): the time per alert stays
// flat from 5,000 to 40,000 (it grew linearly before: O(n^2) in all).
TEST(StormUnitTest, RouterCostPerAlertDoesNotGrowWithGroupSize) {
  // The best of three runs per size: this machine is shared and noisy. A
  // quadratic router takes 8x longer per alert at 8x the alerts.
  double per_alert[2] = {1e9, 1e9};
  int k = 0;
  for (int n : {5'000, 40'000}) {
    for (int run = 0; run < 3; ++run) {
      Router router(Config());
      const auto begin = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) router.Put(Storm(i), kT0);
      auto out = router.Flush(kT0 + 10 * kS);
      per_alert[k] = std::min(per_alert[k], Seconds(std::chrono::steady_clock::now() - begin) / n);
      ASSERT_EQ(out.size(), 1u) << "one group, one notification";
      EXPECT_EQ(out[0].alerts.size(), static_cast<size_t>(n));
    }
    ++k;
  }
  std::printf("router: %.2f us per alert at 5,000, %.2f us at 40,000\n", per_alert[0] * 1e6,
              per_alert[1] * 1e6);
  EXPECT_LT(per_alert[1], per_alert[0] * 4) << "cost per alert grew with the group";
}

TEST(StormUnitTest, InhibitionStillAppliesThroughTheIndex) {
  Router router(Config());
  for (int i = 0; i < 100; ++i) router.Put(Storm(i), kT0);
  RoutedAlert source = Storm(1000, "critical");
  source.labels.Set("alertname", "ClusterDown");
  source.labels.Set("cluster", "c7");
  router.Put(source, kT0);
  auto out = router.Flush(kT0 + 10 * kS);
  size_t warnings = 0;
  for (const Notification& n : out) {
    for (const RoutedAlert& a : n.alerts) {
      if (a.labels.Get("severity") != "warning") continue;
      ++warnings;
      EXPECT_NE(a.labels.Get("cluster"), "c7") << "inhibited by ClusterDown";
    }
  }
  EXPECT_EQ(warnings, 98u);  // two of the 100 are in cluster c7
}

TEST(StormUnitTest, CriticalNotificationsRankFirst) {
  Notification page{"r", "", "k", {}, {Storm(1, "critical")}, true, kT0};
  Notification warn{"r", "", "k", {}, {Storm(1), Storm(2)}, true, kT0};
  Notification resolved_page = page;
  resolved_page.alerts[0].ends_at = kT0 - 1;
  EXPECT_EQ(NotificationPriority(page), 0);
  EXPECT_EQ(NotificationPriority(warn), 1);
  EXPECT_EQ(NotificationPriority(resolved_page), 1) << "a resolution is not a page";
}

// After a restart the same alerts put back into a group are not notified
// again within repeat_interval; a changed set is.
TEST(StormUnitTest, NotificationLogStopsAResendAfterARestart) {
  std::string dir = ::testing::TempDir() + "fw_nflog_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/nflog";
  Notification sent;
  {
    Router router(Config());
    for (int i = 0; i < 1000; ++i) router.Put(Storm(i), kT0);
    auto out = router.Flush(kT0 + 10 * kS);
    ASSERT_EQ(out.size(), 1u);
    sent = out[0];
    auto log = NotificationLog::Open(path, kT0);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->Record(sent.group_key, sent.digest, sent.at));
  }
  auto log = NotificationLog::Open(path, kT0 + 60 * kS);
  ASSERT_TRUE(log);
  {
    Router router(Config());
    router.RestoreSent((*log)->entries());
    for (int i = 0; i < 1000; ++i) router.Put(Storm(i), kT0 + 60 * kS);
    EXPECT_TRUE(router.Flush(kT0 + 70 * kS).empty()) << "sent before the restart";
    router.Put(Storm(1000), kT0 + 80 * kS);  // news: told at the next group_interval
    auto out = router.Flush(kT0 + 70 * kS + 60 * kS);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].alerts.size(), 1001u);
  }
  {
    Router router(Config());
    router.RestoreSent((*log)->entries());
    for (int i = 0; i < 999; ++i) router.Put(Storm(i), kT0 + 60 * kS);  // another set
    EXPECT_EQ(router.Flush(kT0 + 70 * kS).size(), 1u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::alerting

namespace fw::incident {
namespace {

AlertEvent Event(int i, bool firing, const std::string& name = "InstanceDown") {
  return {"",
          LabelSet{{"alertname", name},
                   {"instance", "host-" + std::to_string(i)},
                   {"service", "svc" + std::to_string(i % 3)},
                   {"severity", i % 7 == 0 ? "critical" : "warning"}},
          {},
          firing,
          "",
          "router"};
}

// The batch gives the incidents, links, services, severity and timeline the
// alert-by-alert path gives, repeats and resolutions included.
TEST(StormUnitTest, BatchedIncidentUpdatesMatchOneByOne) {
  std::vector<AlertEvent> events;
  for (int i = 0; i < 300; ++i) events.push_back(Event(i, true));
  for (int i = 0; i < 300; i += 2) events.push_back(Event(i, true));  // repeats
  for (int i = 0; i < 40; ++i) events.push_back(Event(i, false));     // resolutions
  events.push_back(Event(1, true, "Other"));
  std::string dir = ::testing::TempDir() + "fw_batch_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  ManualClock clock(1'768'485'600'000);
  IncidentPolicy policy;
  policy.group_by = {"alertname"};
  auto one_store = SqliteStore::Open(dir + "/one.db");
  auto batch_store = SqliteStore::Open(dir + "/batch.db");
  ASSERT_TRUE(one_store && batch_store);
  IncidentService one(**one_store, clock, policy), batch(**batch_store, clock, policy);
  for (const AlertEvent& e : events) (void)one.OpenOrUpdateFromAlert(e);
  std::vector<Incident> touched;
  const auto ids = batch.OpenOrUpdateFromAlerts(events, &touched);
  ASSERT_EQ(ids.size(), events.size());
  for (const auto& id : ids) EXPECT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(touched.size(), 2u);
  auto a = one.List({}), b = batch.List({});
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const Incident &x = (*a)[i], &y = (*b)[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.severity, y.severity);
    EXPECT_EQ(x.services, y.services);
    ASSERT_EQ(x.alerts.size(), y.alerts.size());
    for (size_t k = 0; k < x.alerts.size(); ++k) {
      EXPECT_EQ(x.alerts[k].fingerprint, y.alerts[k].fingerprint);
      EXPECT_EQ(x.alerts[k].firing, y.alerts[k].firing);
    }
    auto tx = one.Timeline(x.id), ty = batch.Timeline(y.id);
    ASSERT_TRUE(tx && ty);
    ASSERT_EQ(tx->size(), ty->size()) << x.id;
    for (size_t k = 0; k < tx->size(); ++k) EXPECT_EQ((*tx)[k].text, (*ty)[k].text);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::incident
