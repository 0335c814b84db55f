// `firewatch serve --config` with rules, a route and a receiver with a
// webhook, a Slack and an exec destination: a remote-written sample crosses
// a threshold, the webhook gets an Alertmanager payload, Slack its message
// and the program the firewatch JSON on stdin, an incident opens with the alert and the
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
  std::vector<json> slack;
  hook.Post("/hook", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mu);
    payloads.push_back(json::parse(req.body));
  });
  hook.Post("/slack", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mu);
    slack.push_back(json::parse(req.body));
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
      << "/hook'}],\n"
      << "  slack_configs: [{api_url: 'http://127.0.0.1:" << hook_port
      << "/slack', channel: '#incidents'}],\n"
      // The program is sh only because the test wants the stdin in a file;
      // firewatch runs argv as given, never through a shell of its own.
      << "  exec_configs: [{command: [sh, -c, 'cat > " << dir << "/exec.json']}]}]\n";
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
  for (int i = 0; i < 500; ++i) {  // the three destinations are delivered one after another
    {
      std::lock_guard lock(mu);
      if (!slack.empty() && std::ifstream(dir + "/exec.json").peek() != EOF) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(payloads.size(), 1u) << "one notification for one problem";
    EXPECT_EQ(payloads[0]["alerts"][0]["annotations"]["summary"], "error rate 45% (normal < 1%)");
    ASSERT_EQ(slack.size(), 1u);
    EXPECT_EQ(slack[0]["channel"], "#incidents");
    EXPECT_NE(slack[0]["text"].get<std::string>().find("[FIRING:1] ErrorRateHigh"),
              std::string::npos)
        << slack[0].dump();
  }
  const json exec = json::parse(std::ifstream(dir + "/exec.json"), nullptr, false);
  ASSERT_FALSE(exec.is_discarded());
  EXPECT_EQ(exec["version"], "firewatch/1");
  EXPECT_EQ(exec["alerts"][0]["labels"]["alertname"], "ErrorRateHigh");
  auto incidents = c.Get("/api/v1/incidents");
  ASSERT_TRUE(incidents && incidents->status == 200);
  const json list = json::parse(incidents->body)["incidents"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["severity"], "P1") << "critical maps to P1";
  EXPECT_EQ(list[0]["status"], "triggered");
  EXPECT_TRUE(list[0]["created_at"].is_string());
  EXPECT_TRUE(list[0]["acknowledged_at"].is_null());
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

// Deliveries land on the incident's timeline (delivered, or failed for good),
// /metrics exports incident counts, MTTA and MTTR per service and severity,
// and `firewatch silence` manages silences on the server.
class AlertingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hook_.Post("/ok", [](const httplib::Request&, httplib::Response&) {});
    hook_.Post("/refuse", [](const httplib::Request&, httplib::Response& res) {
      res.status = 400;  // not retried: the receiver refuses the payload
    });
    const int hook_port = hook_.bind_to_any_port("127.0.0.1");
    hook_thread_ = std::thread([this] { hook_.listen_after_bind(); });
    const std::string dir = MakeTempDir();
    const std::string hook = "http://127.0.0.1:" + std::to_string(hook_port);
    std::ofstream(dir + "/firewatch.yml")
        << "storage: {dir: data}\n"
        << "route:\n  receiver: oncall\n  group_by: [alertname]\n  group_wait: 0s\n"
        << "  routes: [{matchers: ['service=\"billing\"'], receiver: refusing}]\n"
        << "receivers:\n"
        << "  - {name: oncall, webhook_configs: [{url: '" << hook << "/ok'}]}\n"
        << "  - {name: refusing, webhook_configs: [{url: '" << hook << "/refuse'}]}\n";
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml",
                                 "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=e2e"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    url_ = "http://127.0.0.1:" + line.substr(prefix.size());
    client_ = std::make_unique<httplib::Client>(url_);
    client_->set_bearer_token_auth("e2e");
  }
  void TearDown() override {
    hook_.stop();
    if (hook_thread_.joinable()) hook_thread_.join();
  }

  void Fire(const std::string& alertname, const std::string& service) {
    const json alerts = {
        {{"labels", {{"alertname", alertname}, {"service", service}, {"severity", "critical"}}},
         {"annotations", {{"summary", alertname + " on " + service}}}}};
    auto r = client_->Post("/api/v2/alerts", alerts.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status / 100, 2) << r->body;
  }

  json Incidents() {
    auto r = client_->Get("/api/v1/incidents");
    if (!r || r->status != 200) {
      ADD_FAILURE() << "GET /api/v1/incidents: " << (r ? r->body : httplib::to_string(r.error()));
      return json::array();
    }
    const json j = json::parse(r->body);
    return j["incidents"];
  }

  // The timeline entry kinds of the incident of `service`, polled until
  // `kind` shows up (the delivery happens on the server's own time).
  std::string WaitForKind(const std::string& service, const std::string& kind) {
    std::string kinds;
    for (int i = 0; i < 500; ++i) {
      for (const json& inc : Incidents()) {
        if (inc["services"].size() != 1 || inc["services"][0] != service) continue;
        auto shown = client_->Get("/api/v1/incidents/" + inc["id"].get<std::string>());
        if (!shown || shown->status != 200) {
          ADD_FAILURE() << "GET incident: " << (shown ? shown->body : "no answer");
          continue;
        }
        kinds.clear();
        const json detail = json::parse(shown->body);
        for (const json& e : detail["data"]["timeline"]) {
          kinds += e["kind"].get<std::string>() + " ";
        }
        if (kinds.find(kind) != std::string::npos) return kinds;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return kinds;
  }

  httplib::Server hook_;
  std::thread hook_thread_;
  std::unique_ptr<Background> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string url_;
};

TEST_F(AlertingServerTest, DeliveryResultsLandOnTheTimeline) {
  Fire("CheckoutDown", "checkout");
  Fire("BillingDown", "billing");
  const std::string ok = WaitForKind("checkout", "notification_delivered");
  EXPECT_NE(ok.find("notification_sent"), std::string::npos) << ok;
  EXPECT_NE(ok.find("notification_delivered"), std::string::npos) << ok;
  EXPECT_EQ(ok.find("notification_failed"), std::string::npos) << ok;
  const std::string refused = WaitForKind("billing", "notification_failed");
  EXPECT_NE(refused.find("notification_failed"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("notification_delivered"), std::string::npos) << refused;
}

TEST_F(AlertingServerTest, IncidentMetricsOnMetricsEndpoint) {
  Fire("CheckoutDown", "checkout");
  WaitForKind("checkout", "notification_sent");
  json list = Incidents();
  ASSERT_EQ(list.size(), 1u);
  auto r = client_->Post("/api/v1/incidents/" + list[0]["id"].get<std::string>() + "/ack", "{}",
                         "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string& text = r->body;
  EXPECT_NE(text.find("# TYPE firewatch_incidents gauge"), std::string::npos) << text;
  EXPECT_NE(text.find("firewatch_incidents{service=\"checkout\",severity=\"P1\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("firewatch_incidents_open{service=\"checkout\",severity=\"P1\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("firewatch_incident_mtta_seconds{service=\"checkout\",severity=\"P1\"} "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("firewatch_incident_mttr_seconds{"), std::string::npos)
      << "nothing resolved yet: no MTTR series";
  r = client_->Post("/api/v1/incidents/" + list[0]["id"].get<std::string>() + "/resolve", "{}",
                    "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("firewatch_incidents_open{service=\"checkout\",severity=\"P1\"} 0\n"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("firewatch_incident_mttr_seconds{service=\"checkout\",severity=\"P1\"} "),
            std::string::npos)
      << r->body;
}

TEST_F(AlertingServerTest, SilenceCommands) {
  const std::vector<std::string> env = {"FIREWATCH_TOKEN=e2e"};
  auto added =
      e2e::Run({FIREWATCH_BIN, "silence", "add", "alertname=CheckoutDown", "-m", "service=~check.*",
                "--duration", "1h", "--comment", "deploying", "--server", url_},
               env);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const std::string id = added.out.substr(0, added.out.find('\n'));
  ASSERT_FALSE(id.empty());
  Fire("CheckoutDown", "checkout");
  auto listed = e2e::Run({FIREWATCH_BIN, "silence", "list", "--server", url_});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("alertname=CheckoutDown,service=~check.*"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("deploying"), std::string::npos) << listed.out;
  auto explained =
      e2e::Run({FIREWATCH_BIN, "alerts", "explain",
                R"({"alertname":"CheckoutDown","service":"checkout","severity":"critical"})",
                "--server", url_});
  EXPECT_NE(explained.out.find("silenced by:\n  " + id), std::string::npos) << explained.out;

  auto unauthorized =
      e2e::Run({FIREWATCH_BIN, "silence", "expire", id, "--server", url_}, {"FIREWATCH_TOKEN="});
  EXPECT_NE(unauthorized.exit_code, 0);
  auto expired = e2e::Run({FIREWATCH_BIN, "silence", "expire", id, "--server", url_}, env);
  EXPECT_EQ(expired.exit_code, 0) << expired.err;
  listed = e2e::Run({FIREWATCH_BIN, "silence", "list", "--server", url_});
  EXPECT_EQ(listed.out, "no active silences\n");
  listed = e2e::Run({FIREWATCH_BIN, "silence", "list", "--expired", "--server", url_});
  EXPECT_NE(listed.out.find("expired"), std::string::npos) << listed.out;
  auto missing =
      e2e::Run({FIREWATCH_BIN, "silence", "add", "--comment", "x", "--server", url_}, env);
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("give at least one matcher"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace fw::e2e
