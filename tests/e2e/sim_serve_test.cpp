// `firewatch sim serve` over real HTTP: what a Prometheus, a log shipper and
// an operator see.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

class SimServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "sim", "serve", "--scenario", "db-pool-exhaustion",
                                 "--speed", "600", "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=e2e-secret"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    port_ = std::stoi(line.substr(prefix.size()));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(10, 0);
  }

  std::unique_ptr<Background> server_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

TEST_F(SimServeTest, ServesTargetsMetricsLogsAndStatus) {
  auto r = client_->Get("/sim/targets");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json targets = json::parse(r->body);
  ASSERT_EQ(targets.size(), 8u) << "6 app instances, the database, the cloud";
  const std::string path = targets[0]["labels"]["__metrics_path__"];
  EXPECT_EQ(targets[0]["targets"][0], "127.0.0.1:" + std::to_string(port_))
      << "advertises the bound address, not the requested port 0";

  r = client_->Get(path.c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);
  EXPECT_NE(r->body.find("# TYPE hikaricp_connections_active gauge"), std::string::npos);
  EXPECT_NE(r->body.find("http_request_duration_seconds_bucket{route="), std::string::npos);
  EXPECT_EQ(r->body.find("instance="), std::string::npos) << "the scraper adds instance";

  r = client_->Get("/sim/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("up{instance=\"i-0"), std::string::npos) << "all targets keep labels";

  r = client_->Get("/sim/targets/i-nonexistent/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  r = client_->Get("/sim/status");
  ASSERT_TRUE(r);
  const json status = json::parse(r->body);
  EXPECT_EQ(status["scenario"], "db-pool-exhaustion");
  EXPECT_EQ(status["instances"].size(), 6u);

  // The first log lines appear once the simulator has stepped: poll, bounded.
  for (int attempt = 0; attempt < 200; ++attempt) {
    r = client_->Get("/sim/logs?after=0&limit=5");
    ASSERT_TRUE(r);
    if (!r->body.empty()) break;
  }
  EXPECT_EQ(r->status, 200);
  const std::string cursor = r->get_header_value("X-Next-Cursor");
  EXPECT_FALSE(cursor.empty());
  EXPECT_EQ(r->body.rfind("{\"@timestamp\":", 0), 0u) << r->body;
  r = client_->Get("/sim/logs?after=banana");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  r = client_->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("firewatch_http_requests_total"), std::string::npos);
}

TEST_F(SimServeTest, ActionsNeedATokenAndAnswerWithTheirEffect) {
  auto r = client_->Post("/sim/actions", R"({"type":"scale","value":6})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);

  httplib::Headers auth = {{"Authorization", "Bearer e2e-secret"}};
  r = client_->Post("/sim/actions", auth, R"({"type":"scale","value":60})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_NE(r->body.find("outside the group's limits"), std::string::npos) << r->body;

  r = client_->Post("/sim/actions", auth, R"({"type":"maintenance_on"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], true);

  r = client_->Post("/sim/actions", auth, R"({"type":"teleport"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("unknown action type"), std::string::npos);

  r = client_->Post("/sim/actions", auth, "not json", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  r = client_->Post("/sim/faults", auth, R"({"type":"cpu_hog","magnitude":2})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  // Faults are checked as scenario files are: a share above 1, a wrong type.
  for (const char* bad : {R"({"type":"error_rate","magnitude":5})",
                          R"({"type":"cpu_hog","magnitude":1,"instance":-1})",
                          R"({"type":"cpu_hog","magnitude":1,"duraton":"5m"})",
                          R"({"type":"slow_query","magnitude":3,"route":"/nope"})"}) {
    r = client_->Post("/sim/faults", auth, bad, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << " -> " << r->body;
  }

  // The action shows up in the change stream.
  bool seen = false;
  for (int attempt = 0; attempt < 50 && !seen; ++attempt) {
    r = client_->Get("/sim/changes?after=0");
    ASSERT_TRUE(r);
    seen = r->body.find("\"key\":\"maintenance_mode\",\"value\":\"on\"") != std::string::npos;
  }
  EXPECT_TRUE(seen) << r->body;
}

TEST_F(SimServeTest, AHungInstanceStopsAnsweringItsScrapes) {
  httplib::Headers auth = {{"Authorization", "Bearer e2e-secret"}};
  auto r = client_->Post("/sim/faults", auth, R"({"type":"instance_failure","magnitude":1})",
                         "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = client_->Get("/sim/status");
  ASSERT_TRUE(r);
  std::string hung_id;
  const json status = json::parse(r->body);
  for (const json& i : status["instances"]) {
    if (i["hung"] == true) hung_id = i["id"];
  }
  ASSERT_FALSE(hung_id.empty());
  r = client_->Get(("/sim/targets/" + hung_id + "/metrics").c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "a failed scrape is what makes Prometheus record up 0";
}

TEST_F(SimServeTest, StopsCleanlyOnSigterm) { EXPECT_EQ(server_->Terminate(), 0); }

}  // namespace
}  // namespace fw::e2e
