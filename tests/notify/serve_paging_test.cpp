// Paging end to end through the real binary: `firewatch serve` takes an
// alert, opens the incident, its escalation pages the person on call by
// their webhook method (the outbox delivers it), the page's own ack link
// acknowledges the incident without a firewatch token, a replay is refused,
// and the timeline tells the story. Also: a swap made with the CLI shows in
// `oncall who`, and `report noise` counts the page.

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "common/clock.h"
#include "fake_http.h"

namespace fw::notify {
namespace {

using nlohmann::json;

constexpr char kToken[] = "paging-token";
constexpr char kListening[] = "listening on http://127.0.0.1:";

std::string Config(const std::string& hook) {
  return R"(
route: {receiver: oncall, group_by: ['...'], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}
receivers: [{name: oncall}]
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers: [{name: weekly, start: "2026-01-05 09:00", rotation: 1w, users: [alice]}]
escalation_policies:
  - name: default
    levels: [{targets: ["schedule:primary"], delay: 10m}]
incidents: {escalation_policy: default}
people:
  - name: alice
    time_zone: Europe/Berlin
    contact_methods: [{type: webhook, url: ")" +
         hook + R"("}]
paging: {public_url: "https://fw.example.com"}
)";
}

TEST(ServePagingTest, AlertPagesThePersonOnCallWhoAcknowledgesFromThePage) {
  testing::FakeHttp hook;
  const std::string dir = e2e::MakeTempDir();
  std::ofstream(dir + "/firewatch.yml") << Config(hook.Url("/page/alice"));
  e2e::Background serve({FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml", "--data",
                         dir + "/data", "--port", "0"},
                        {std::string("FIREWATCH_TOKEN=") + kToken});
  const std::string line = serve.ReadLine();
  ASSERT_EQ(line.rfind(kListening, 0), 0u) << line;
  const int port = std::stoi(line.substr(sizeof kListening - 1));
  const std::string server = "http://127.0.0.1:" + std::to_string(port);
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(kToken);

  const std::string alert = R"({
    "version": "4", "groupKey": "{}:{alertname=\"CheckoutDown\"}", "status": "firing",
    "receiver": "firewatch", "groupLabels": {"alertname": "CheckoutDown"},
    "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
    "alerts": [{"status": "firing",
                "labels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
                "annotations": {"summary": "checkout is down"},
                "startsAt": "2026-11-25T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "c0ffee"}]})";
  auto posted = c.Post("/api/v1/intake/alertmanager", alert, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  ASSERT_TRUE(e2e::PollUntil([&] { return !hook.Requests().empty(); })) << "alice was not paged";
  const json page = json::parse(hook.Requests()[0].body);
  EXPECT_EQ(page["person"], "alice");
  EXPECT_EQ(page["severity"], "P1");
  const std::string id = page["incident"];
  const std::string ack_url = page["ack_url"];
  ASSERT_EQ(ack_url.rfind("https://fw.example.com/page/" + id + "/ack?t=", 0), 0u) << ack_url;
  const std::string token = ack_url.substr(ack_url.find("?t=") + 3);

  httplib::Client anonymous("127.0.0.1", port);  // the link is the only credential
  auto ack =
      anonymous.Post("/page/" + id + "/ack", "t=" + token, "application/x-www-form-urlencoded");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->status, 200) << ack->body;
  auto replay =
      anonymous.Post("/page/" + id + "/ack", "t=" + token, "application/x-www-form-urlencoded");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 403);

  json incident;
  ASSERT_TRUE(e2e::PollUntil([&] {
    auto r = c.Get("/api/v1/incidents/" + id);
    if (!r || r->status != 200) return false;
    incident = json::parse(r->body)["data"];
    std::string all;
    for (const json& e : incident["timeline"]) all += e["text"].get<std::string>() + "\n";
    return all.find("paged alice by webhook") != std::string::npos;
  })) << incident.dump(2);
  EXPECT_EQ(incident["status"], "acknowledged");
  bool acked_by_alice = false, planned = false;
  for (const json& e : incident["timeline"]) {
    acked_by_alice |= e["kind"] == "state_change" && e["actor"] == "alice" && e["source"] == "page";
    planned |= e["text"].get<std::string>().find(
                   "page level 1 (round 1): alice; alice: webhook now") != std::string::npos;
  }
  EXPECT_TRUE(acked_by_alice) << incident.dump(2);
  EXPECT_TRUE(planned) << incident.dump(2);

  // A swap from the CLI: bob covers alice this week, as `oncall who` shows.
  const std::vector<std::string> env = {std::string("FIREWATCH_TOKEN=") + kToken};
  const Timestamp now = RealClock().Now();  // the server's clock: a real one
  auto swap = e2e::Run(
      {FIREWATCH_BIN, "oncall", "swap", "--server", server, "--schedule", "primary", "--from",
       "alice", "--to", "bob", "--start", FormatRfc3339Millis(now - 8LL * 24 * 3'600'000), "--end",
       FormatRfc3339Millis(now + 8LL * 24 * 3'600'000)},
      env);
  ASSERT_EQ(swap.exit_code, 0) << swap.err;
  EXPECT_NE(swap.out.find("bob covers alice (swap)"), std::string::npos) << swap.out;
  auto who = e2e::Run({FIREWATCH_BIN, "oncall", "who", "--server", server}, env);
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_NE(who.out.find("primary   bob"), std::string::npos) << who.out;

  auto noise =
      e2e::Run({FIREWATCH_BIN, "report", "noise", "--since", "1h", "--server", server}, env);
  ASSERT_EQ(noise.exit_code, 0) << noise.err;
  EXPECT_NE(noise.out.find("alice: 1 pages"), std::string::npos) << noise.out;
  EXPECT_NE(noise.out.find("CheckoutDown: 1 incidents"), std::string::npos) << noise.out;
}

}  // namespace
}  // namespace fw::notify
