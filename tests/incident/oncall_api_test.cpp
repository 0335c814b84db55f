// The on-call API on a real server: who is on call at an instant with the
// shift's bounds, shifts over a window, escalation policies, and the errors.

#include "incident/oncall_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

namespace fw::incident {
namespace {

using nlohmann::json;

const char* kConfig = R"(
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - {start: "2026-01-05 09:00", rotation: 1w, users: [alice, bob]}
  - name: empty-by-day
    layers:
      - start: "2026-01-01 00:00"
        rotation: 1d
        users: [owl]
        restrictions: [{start: "22:00", end: "06:00"}]
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {targets: ["schedule:primary"], delay: 5m}
      - {targets: ["user:lead"], delay: 10m}
)";

class OnCallApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    YamlReader r("fw.yml");
    auto doc = LoadYaml(kConfig, "fw.yml");
    ASSERT_TRUE(doc);
    config_ = ParseOnCall(r, *doc);
    ASSERT_TRUE(r.errors().empty());
    http_ = std::make_unique<server::HttpServer>(server::ServerOptions{}, clock_);
    RegisterOnCallApi(*http_, config_, clock_);
    auto port = http_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
  }

  std::pair<int, json> Get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(path);
    if (!res) return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  // 2026-03-28 12:00 UTC, a Saturday: the week that spans the spring change.
  ManualClock clock_{ParseTimestamp("2026-03-28T12:00:00Z").value()};
  OnCallConfig config_;
  std::unique_ptr<server::HttpServer> http_;
  int port_ = 0;
};

TEST_F(OnCallApiTest, WhoIsOnCallNowAndAtAnInstant) {
  auto [status, body] = Get("/api/v1/oncall");
  ASSERT_EQ(status, 200) << body.dump();
  const json& data = body["data"];
  EXPECT_EQ(data["at"], "2026-03-28T12:00:00.000Z");
  ASSERT_EQ(data["schedules"].size(), 2u);
  const json& primary = data["schedules"][0];
  EXPECT_EQ(primary["name"], "primary");
  EXPECT_EQ(primary["time_zone"], "Europe/Berlin");
  // Weeks from Monday 2026-01-05 09:00: the 12th week (from March 23) is bob's.
  EXPECT_EQ(primary["on_call"], "bob");
  EXPECT_EQ(primary["since"], "2026-03-23T08:00:00.000Z");  // 09:00 CET
  EXPECT_EQ(primary["until"], "2026-03-30T07:00:00.000Z");  // 09:00 CEST
  EXPECT_EQ(primary["until_local"], "2026-03-30 09:00 Mon +02:00");
  EXPECT_TRUE(data["schedules"][1]["on_call"].is_null()) << "nobody by day";

  auto [s2, at] = Get("/api/v1/oncall?at=2026-03-30T07:00:00Z&schedule=primary");
  ASSERT_EQ(s2, 200) << at.dump();
  ASSERT_EQ(at["data"]["schedules"].size(), 1u);
  EXPECT_EQ(at["data"]["schedules"][0]["on_call"], "alice") << "the handoff instant is the next";
}

TEST_F(OnCallApiTest, ShiftsOverAWindowAndPolicies) {
  auto [status, body] = Get(
      "/api/v1/oncall/shifts?schedule=primary&from=2026-03-29T00:00:00Z&to=2026-04-07T00:00:00Z");
  ASSERT_EQ(status, 200) << body.dump();
  const json& shifts = body["data"]["shifts"];
  ASSERT_EQ(shifts.size(), 3u) << body.dump();
  EXPECT_EQ(shifts[0]["user"], "bob");
  EXPECT_EQ(shifts[1]["user"], "alice");
  EXPECT_EQ(shifts[1]["start"], "2026-03-30T07:00:00.000Z");
  EXPECT_EQ(shifts[1]["end"], "2026-04-06T07:00:00.000Z");
  EXPECT_EQ(shifts[2]["user"], "bob");

  auto [s2, policies] = Get("/api/v1/escalation_policies");
  ASSERT_EQ(s2, 200);
  const json& p = policies["data"]["policies"][0];
  EXPECT_EQ(p["name"], "default");
  EXPECT_EQ(p["repeat"], 1);
  EXPECT_EQ(p["levels"][1]["targets"][0], "user:lead");
  EXPECT_EQ(p["levels"][1]["delay_seconds"], 600);
}

TEST_F(OnCallApiTest, ErrorsSayWhatIsWrong) {
  auto [s1, unknown] = Get("/api/v1/oncall?schedule=secondary");
  EXPECT_EQ(s1, 404);
  EXPECT_NE(unknown.dump().find("configured: primary, empty-by-day"), std::string::npos)
      << unknown.dump();
  auto [s2, bad_time] = Get("/api/v1/oncall?at=yesterday");
  EXPECT_EQ(s2, 400);
  EXPECT_NE(bad_time.dump().find("at:"), std::string::npos) << bad_time.dump();
  auto [s3, no_schedule] = Get("/api/v1/oncall/shifts");
  EXPECT_EQ(s3, 400);
  auto [s4, too_long] = Get(
      "/api/v1/oncall/shifts?schedule=primary&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z");
  EXPECT_EQ(s4, 400);
  EXPECT_NE(too_long.dump().find("92 days"), std::string::npos);
}

}  // namespace
}  // namespace fw::incident
