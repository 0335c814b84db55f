#include "alerting/api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace fw::alerting {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class AlertingApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fw_api_" + std::to_string(getpid()));
    auto box = Outbox::Open(dir_.string());
    ASSERT_TRUE(box);
    outbox_ = std::move(*box);
    YamlReader r("fw.yml");
    auto doc = LoadYaml(
        "route: {receiver: oncall, group_by: ['...'], group_wait: 0s}\n"
        "receivers: [{name: oncall}]\n"
        "time_intervals: [{name: always, time_intervals: [{}]},\n"
        "                 {name: never, time_intervals: [{years: ['1999']}]}]\n",
        "fw.yml");
    svc_ = std::make_unique<AlertingService>(ParseRouting(r, *doc), *outbox_, clock_, nullptr,
                                             AlertingService::Options{});
    server::ServerOptions opts;
    opts.tokens.push_back({"t0k3n", server::Role::kResponder, "ops"});
    http_ = std::make_unique<server::HttpServer>(opts, clock_);
    RegisterAlertingApi(*http_, *svc_, nullptr, clock_);
    auto port = http_->Start();
    ASSERT_TRUE(port);
    port_ = *port;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth("t0k3n");
  }
  void TearDown() override {
    http_.reset();
    svc_.reset();
    fs::remove_all(dir_);
  }
  json Post(const std::string& path, const std::string& body, int want) {
    auto res = client_->Post(path, body, "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }
  json Get(const std::string& path) {
    auto res = client_->Get(path);
    EXPECT_TRUE(res && res->status == 200) << path;
    return res ? json::parse(res->body, nullptr, false) : json();
  }

  fs::path dir_;
  RealClock clock_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<AlertingService> svc_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

TEST_F(AlertingApiTest, IntakeSilencesAndExplain) {
  // What a Prometheus sends to its Alertmanager.
  Post("/api/v2/alerts",
       R"([{"labels":{"alertname":"Down","instance":"a"},"annotations":{"summary":"a down"},
            "startsAt":"2026-11-25T10:00:00Z","endsAt":"2099-01-01T00:00:00Z"}])",
       200);
  Post("/api/v2/alerts", R"({"labels":{}})", 400);
  const json explain = Get(R"(/api/v1/alerts/explain?alert={"alertname":"Down","instance":"a"})");
  EXPECT_EQ(explain["data"]["known"], true);
  EXPECT_EQ(explain["data"]["routes"][0], "route -> receiver oncall");
  const json listed = Get("/api/v2/alerts");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["status"]["state"], "active");
  const std::string fp = listed[0]["fingerprint"];
  EXPECT_EQ(Get("/api/v1/alerts/explain?fingerprint=" + fp)["data"]["labels"]["instance"], "a");

  const json created = Post("/api/v2/silences",
                            R"({"matchers":[{"name":"alertname","value":"Down","isRegex":false}],
                                "endsAt":"2099-01-01T00:00:00Z","createdBy":"ann","comment":"deploy"})",
                            200);
  const std::string id = created["silenceID"];
  EXPECT_EQ(Get(R"(/api/v1/alerts/explain?alert={"alertname":"Down","instance":"a"})")["data"]
                                                                                      ["silencedBy"]
                                                                                          .size(),
            1u);
  EXPECT_EQ(Get("/api/v2/silences")[0]["status"]["state"], "active");
  EXPECT_EQ(Get("/api/v2/alerts")[0]["status"]["state"], "suppressed");
  auto del = client_->Delete("/api/v2/silence/" + id);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(Get("/api/v2/silences")[0]["status"]["state"], "expired");
  Post("/api/v2/silences", R"({"matchers":[],"endsAt":"2099-01-01T00:00:00Z"})", 400);
  // The same API under /api/v1.
  const json v1 = Post("/api/v1/silences",
                       R"({"matchers":[{"name":"instance","value":"a","isRegex":false}],
                           "endsAt":"2099-01-01T00:00:00Z","createdBy":"bo","comment":"v1"})",
                       200);
  EXPECT_EQ(Get("/api/v1/silences").size(), 2u);
  auto del_v1 = client_->Delete("/api/v1/silences/" + v1["silenceID"].get<std::string>());
  ASSERT_TRUE(del_v1);
  EXPECT_EQ(del_v1->status, 200);
}

TEST_F(AlertingApiTest, PagerDutyEventsAndChanges) {
  const json ok = Post("/v2/enqueue", R"({"routing_key":"0123456789abcdef","event_action":"trigger",
      "dedup_key":"pool","payload":{"summary":"pool exhausted","source":"app","severity":"critical"}})",
                       202);
  EXPECT_EQ(ok["dedup_key"], "pool");
  const json bad = Post("/v2/enqueue", R"({"routing_key":"k","event_action":"explode"})", 400);
  EXPECT_EQ(bad["errors"][0], "event_action: expected trigger, acknowledge or resolve");
  Post("/v2/enqueue", R"({"routing_key":"k","event_action":"resolve","dedup_key":"pool"})", 202);
  Post("/v2/change/enqueue",
       R"({"routing_key":"k","payload":{"summary":"deploy checkout v2.4.1","source":"ci"}})", 202);
  EXPECT_EQ(Get("/api/v1/changes")["data"][0]["summary"], "deploy checkout v2.4.1");
  // Writes need a token.
  httplib::Client anonymous("127.0.0.1", port_);
  auto res = anonymous.Post("/v2/enqueue", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST_F(AlertingApiTest, ListsTimeIntervalsAndWhetherTheyHoldNow) {
  const json body = Get("/api/v1/time_intervals");
  EXPECT_EQ(body["data"]["timeIntervals"], json::parse(R"([{"name": "always", "active": true},
                            {"name": "never", "active": false}])"))
      << body.dump();
  EXPECT_EQ(Get("/api/v1/maintenance_windows"), body) << "the same list under its SRE name";
}

}  // namespace
}  // namespace fw::alerting
