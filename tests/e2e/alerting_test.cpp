// `firewatch serve --config` with rules, a route and a webhook receiver: a
// remote-written sample crosses a threshold, the receiver gets an
// Alertmanager payload, an incident opens with the alert and the
// notification on its timeline, and `firewatch alerts` explains the route.

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/clock.h"
#include "metrics/ingest/remote_write.h"
#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

TEST(AlertingE2eTest, ThresholdToWebhookToIncident) {
  httplib::Server hook;
  std::mutex mu;
  std::vector<json> payloads;
  hook.Post("/hook", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mu);
    payloads.push_back(json::parse(req.body));
  });
  const int hook_port = hook.bind_to_any_port("127.0.0.1");
  std::thread hook_thread([&] { hook.listen_after_bind(); });

  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/rules.yml") << R"yaml(groups:
  - name: shop
    rules:
      - alert: ErrorRateHigh
        expr: shop_error_ratio > 0.01
        labels: {severity: critical, service: checkout}
        annotations: {summary: "error rate {{ $value | humanizePercentage }} (normal < 1%)"}
)yaml";
  std::ofstream(dir + "/firewatch.yml")
      << "storage: {dir: " << dir << "/data}\n"
      << "rule_files: [rules.yml]\n"
      << "route: {receiver: oncall, group_by: [alertname], group_wait: 0s}\n"
      << "receivers: [{name: oncall, webhook_configs: [{url: 'http://127.0.0.1:" << hook_port
      << "/hook'}]}]\n";
  Background server({FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml", "--port", "0"},
                    {"FIREWATCH_TOKEN=e2e"});
  const std::string line = server.ReadLine();
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  const int port = std::stoi(line.substr(prefix.size()));
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth("e2e");

  const Timestamp now = RealClock().Now();
  std::vector<metrics::ingest::SeriesSamples> series{
      {LabelSet{{"__name__", "shop_error_ratio"}, {"job", "shop"}}, {{now, 0.45}}}};
  auto r = c.Post("/api/v1/write",
                  {{"Content-Encoding", "snappy"}, {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                  metrics::ingest::EncodeRemoteWrite(series), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 204) << r->body;

  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (!payloads.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(payloads.size(), 1u) << "one notification for one problem";
    EXPECT_EQ(payloads[0]["alerts"][0]["annotations"]["summary"], "error rate 45% (normal < 1%)");
  }
  auto incidents = c.Get("/api/v1/incidents");
  ASSERT_TRUE(incidents && incidents->status == 200);
  const json list = json::parse(incidents->body)["data"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["severity"], "P1") << "critical maps to P1";
  auto shown = c.Get("/api/v1/incidents/" + list[0]["id"].get<std::string>());
  ASSERT_TRUE(shown && shown->status == 200);
  std::string kinds;
  const json detail = json::parse(shown->body);
  for (const json& e : detail["data"]["timeline"]) {
    kinds += e["kind"].get<std::string>() + " ";
  }
  EXPECT_NE(kinds.find("alert_firing"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("notification_sent"), std::string::npos) << kinds;

  auto listed = e2e::Run(
      {FIREWATCH_BIN, "alerts", "list", "--server", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("alertname=ErrorRateHigh"), std::string::npos) << listed.out;
  const std::string fp = listed.out.substr(listed.out.find('\n') + 1, 16);
  auto explained = e2e::Run({FIREWATCH_BIN, "alerts", "explain", fp, "--server",
                             "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_NE(explained.out.find("route -> receiver oncall"), std::string::npos) << explained.out;
  hook.stop();
  hook_thread.join();
}

}  // namespace
}  // namespace fw::e2e
