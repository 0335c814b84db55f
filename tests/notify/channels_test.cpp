// Each contact method against a local fake of its service: the request a
// real Slack, Teams, ntfy, webhook or Twilio endpoint would get, and the
// fallback from a failing SMS provider to the next.

#include "notify/channels.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_http.h"
#include "notify/http_post.h"

namespace fw::notify {
namespace {

using testing::FakeHttp;
using testing::FormValue;

PagingSettings Parse(const std::string& yaml, std::vector<Error>* errors = nullptr) {
  YamlReader r("test.yml");
  auto doc = LoadYaml(yaml, "test.yml");
  EXPECT_TRUE(doc) << (doc ? "" : doc.error().ToString());
  PagingSettings s = ParsePaging(r, *doc);
  if (errors) {
    *errors = r.errors();
  } else {
    for (const Error& e : r.errors()) ADD_FAILURE() << e.ToString();
  }
  return s;
}

PageMessage Message(const std::string& person, size_t method) {
  return {"INC-7",
          "checkout error rate 12% <high>",
          1,
          person,
          method,
          "http://fw.test/page/INC-7/ack?t=abc",
          "http://fw.test/page/INC-7?t=abc",
          1};
}

class ChannelsTest : public ::testing::Test {
 protected:
  FakeHttp fake_;
  Millis timeout_{5'000};
};

TEST_F(ChannelsTest, SlackWebhookTeamsWebhookAndPushCarryTheLinks) {
  const PagingSettings s = Parse(R"(
people:
  - name: alice
    contact_methods:
      - {type: slack, url: )" + fake_.Url("/slack") +
                                 R"(}
      - {type: teams, url: )" + fake_.Url("/teams") +
                                 R"(}
      - {type: webhook, url: )" + fake_.Url("/hook") +
                                 R"(}
      - {type: push, url: )" + fake_.Url("/ntfy/alice") +
                                 R"(}
)");
  for (size_t i = 0; i < 4; ++i) {
    std::string detail;
    EXPECT_EQ(SendPage(s, Message("alice", i), timeout_, 0, detail), 200) << detail;
  }
  const auto req = fake_.Requests();
  ASSERT_EQ(req.size(), 4u);
  const auto slack = nlohmann::json::parse(req[0].body);
  EXPECT_EQ(slack["text"],
            "*[P1] INC-7*: checkout error rate 12% &lt;high&gt;\n"
            "<http://fw.test/page/INC-7/ack?t=abc|Acknowledge> · "
            "<http://fw.test/page/INC-7?t=abc|Open the incident>");
  const auto teams = nlohmann::json::parse(req[1].body);
  EXPECT_EQ(teams["type"], "message");
  const auto& card = teams["attachments"][0];
  EXPECT_EQ(card["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(card["content"]["type"], "AdaptiveCard");
  EXPECT_EQ(card["content"]["actions"][0]["title"], "Acknowledge");
  EXPECT_EQ(card["content"]["actions"][0]["url"], "http://fw.test/page/INC-7/ack?t=abc");
  const auto hook = nlohmann::json::parse(req[2].body);
  EXPECT_EQ(hook["version"], "firewatch-page/1");
  EXPECT_EQ(hook["incident"], "INC-7");
  EXPECT_EQ(hook["person"], "alice");
  EXPECT_EQ(hook["severity"], "P1");
  EXPECT_EQ(req[3].path, "/ntfy/alice");
  EXPECT_EQ(req[3].body, "[P1] checkout error rate 12% <high>");
  EXPECT_EQ(req[3].headers.find("Priority")->second, "5");
  EXPECT_EQ(req[3].headers.find("Actions")->second,
            "view, Acknowledge, http://fw.test/page/INC-7/ack?t=abc, clear=true");
}

TEST_F(ChannelsTest, SlackDmUsesTheBotTokenAndReadsOkFalseAsAFailure) {
  const PagingSettings s = Parse(R"(
paging:
  slack: {bot_token: xoxb-secret, api_url: )" +
                                 fake_.Url("/api") + R"(}
people:
  - name: bob
    contact_methods: [{type: slack_dm, user: U123}]
)");
  fake_.Answer("/api/chat.postMessage", 200, R"({"ok": true})");
  std::string detail;
  EXPECT_EQ(SendPage(s, Message("bob", 0), timeout_, 0, detail), 200) << detail;
  auto req = fake_.Requests();
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].authorization, "Bearer xoxb-secret");
  EXPECT_EQ(nlohmann::json::parse(req[0].body)["channel"], "U123");

  fake_.Answer("/api/chat.postMessage", 200, R"({"ok": false, "error": "channel_not_found"})");
  EXPECT_EQ(SendPage(s, Message("bob", 0), timeout_, 0, detail), 400);
  EXPECT_EQ(detail, "Slack refused: channel_not_found");
}

TEST_F(ChannelsTest, SmsAndVoiceSpeakTwilioAndFallOverToTheSecondProvider) {
  FakeHttp backup;
  const PagingSettings s = Parse(R"(
paging:
  sms_providers:
    - {name: twilio, url: )" + fake_.Url() +
                                 R"(, account_sid: AC1, auth_token: t1, from: "+100"}
    - {name: backup, url: )" + backup.Url() +
                                 R"(, account_sid: AC2, auth_token: t2, from: "+200"}
people:
  - name: carol
    contact_methods:
      - {type: sms, to: "+4915100000"}
      - {type: voice, to: "+4915100000", after: 5m}
)");
  std::string detail;
  ASSERT_EQ(SendPage(s, Message("carol", 0), timeout_, 0, detail), 200) << detail;
  EXPECT_EQ(detail, "via twilio");
  auto req = fake_.Requests();
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].path, "/2010-04-01/Accounts/AC1/Messages.json");
  EXPECT_EQ(req[0].authorization, BasicAuth("AC1", "t1"));
  EXPECT_EQ(FormValue(req[0], "To"), "+4915100000");
  EXPECT_EQ(FormValue(req[0], "From"), "+100");
  EXPECT_NE(FormValue(req[0], "Body").find("http://fw.test/page/INC-7/ack?t=abc"),
            std::string::npos);
  EXPECT_TRUE(backup.Requests().empty());

  // The first provider fails: the second takes the call, and says so.
  fake_.Answer("/2010-04-01/Accounts/AC1/Calls.json", 500);
  ASSERT_EQ(SendPage(s, Message("carol", 1), timeout_, 0, detail), 200) << detail;
  EXPECT_EQ(detail, "via backup (twilio failed: HTTP 500)");
  req = backup.Requests();
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].path, "/2010-04-01/Accounts/AC2/Calls.json");
  EXPECT_EQ(req[0].authorization, BasicAuth("AC2", "t2"));
  EXPECT_NE(FormValue(req[0], "Twiml").find("<Say>"), std::string::npos);

  // Both fail: retried later (5xx), and the detail names both.
  backup.Answer("/2010-04-01/Accounts/AC2/Calls.json", 503);
  EXPECT_EQ(SendPage(s, Message("carol", 1), timeout_, 0, detail), 503);
  EXPECT_EQ(detail, "twilio failed: HTTP 500; backup failed: HTTP 503");
  // Both refuse (bad credentials): given up, not retried forever.
  fake_.Answer("/2010-04-01/Accounts/AC1/Messages.json", 401);
  backup.Answer("/2010-04-01/Accounts/AC2/Messages.json", 401);
  EXPECT_EQ(SendPage(s, Message("carol", 0), timeout_, 0, detail), 400);
}

TEST_F(ChannelsTest, UnreachableEndpointIsRetriedNotDropped) {
  const PagingSettings s = Parse(R"(
people:
  - name: dan
    contact_methods: [{type: webhook, url: "http://127.0.0.1:1/hook"}]
)");
  std::string detail;
  EXPECT_EQ(SendPage(s, Message("dan", 0), timeout_, 0, detail), 0);
  EXPECT_NE(detail.find("cannot connect to 127.0.0.1:1"), std::string::npos) << detail;
}

TEST_F(ChannelsTest, ConfigProblemsNameTheField) {
  std::vector<Error> errors;
  Parse(R"(
people:
  - name: erin
    time_zone: Mars/Olympus
    quiet_hours: {start: "25:00", end: "07:00"}
    contact_methods:
      - {type: pager, to: x}
      - {type: email, to: erin@example.com}
      - {type: slack, url: "ftp://x"}
)",
        &errors);
  std::string all;
  for (const Error& e : errors) all += e.ToString() + "\n";
  EXPECT_NE(all.find("people[0].time_zone"), std::string::npos) << all;
  EXPECT_NE(all.find("people[0].quiet_hours"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown type \"pager\""), std::string::npos) << all;
  EXPECT_NE(all.find("email needs paging.smtp"), std::string::npos) << all;
  EXPECT_NE(all.find("people[0].contact_methods[2].url"), std::string::npos) << all;
}

TEST(QuietHoursTest, LowSeveritiesWaitForTheLocalMorningHighOnesDoNot) {
  YamlReader r("test.yml");
  auto doc = LoadYaml(R"(
people:
  - name: alice
    time_zone: Europe/Berlin
    quiet_hours: {start: "22:00", end: "07:00", up_to: P3}
    contact_methods: [{type: webhook, url: "http://127.0.0.1:1/"}]
)",
                      "test.yml");
  ASSERT_TRUE(doc);
  const PagingSettings s = ParsePaging(r, *doc);
  ASSERT_TRUE(r.ok());
  const Person& alice = s.people[0];
  const Timestamp night = *ParseTimestamp("2026-01-15T23:30:00Z");  // 00:30 in Berlin
  EXPECT_EQ(alice.DeliverAt(night, 1), night) << "a P1 pages at once";
  EXPECT_EQ(alice.DeliverAt(night, 2), night) << "P2 is above up_to";
  EXPECT_EQ(alice.DeliverAt(night, 3), *ParseTimestamp("2026-01-16T06:00:00Z")) << "07:00 local";
  const Timestamp day = *ParseTimestamp("2026-01-15T12:00:00Z");
  EXPECT_EQ(alice.DeliverAt(day, 4), day);
}

}  // namespace
}  // namespace fw::notify
