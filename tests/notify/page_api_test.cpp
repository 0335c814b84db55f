// The routes a paged person reaches from the page itself, on a real server:
// the signed link acknowledges once (POST only; GET shows a form), is
// refused when replayed, forged or used for another incident; an SMS reply
// through a Twilio-shaped inbound webhook acknowledges when signed.

#include "notify/page_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "notify/http_post.h"
#include "scratch_incidents.h"

namespace fw::notify {
namespace {

class PageApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = e2e::MakeTempDir();
    ASSERT_TRUE(scratch_.service);
    incidents_ = scratch_.service.get();
    for (const char* title : {"checkout is down", "search is slow"}) {
      auto inc = incidents_->Declare({title, {"shop"}, incident::Severity::kP1, ""}, {"rule"});
      ASSERT_TRUE(inc);
    }
    auto links = AckLinks::Open(dir + "/paging.key", dir + "/paging.used");
    ASSERT_TRUE(links);
    links_ = std::move(*links);
    PagingSettings s;
    s.sms_providers.push_back({"twilio", "http://127.0.0.1:1", "AC1", "twilio-token", "+100"});
    s.people.push_back(
        {"alice", TimeZone::Utc(), std::nullopt, {{MethodType::kSms, "+4911", Millis(0)}}});
    pager_ = std::make_unique<Pager>(
        s, *links_, clock_, [](alerting::Delivery) -> Result<void> { return {}; },
        Pager::Options{});
    server::ServerOptions opts;
    opts.allow_anonymous_read = false;  // the link alone must be enough
    opts.tokens.push_back({"admin-token", server::Role::kAdmin, "admin"});
    http_ = std::make_unique<server::HttpServer>(opts, clock_);
    RegisterPageApi(*http_, *pager_, *links_, *incidents_, clock_, "https://fw.example.com");
    auto port = http_->Start();
    ASSERT_TRUE(port);
    port_ = *port;
  }
  httplib::Result PostForm(const std::string& path, const std::string& body,
                           const httplib::Headers& headers = {}) {
    httplib::Client c("127.0.0.1", port_);
    return c.Post(path, headers, body, "application/x-www-form-urlencoded");
  }
  incident::State State(const std::string& id) { return incidents_->Get(id)->state; }

  ManualClock clock_{1'768'487'100'000};
  testing::ScratchIncidents scratch_{clock_};
  incident::IncidentService* incidents_ = nullptr;
  std::unique_ptr<AckLinks> links_;
  std::unique_ptr<Pager> pager_;
  std::unique_ptr<server::HttpServer> http_;
  int port_ = 0;
};

TEST_F(PageApiTest, LinkAcknowledgesOnceByPostAndNeverByGet) {
  const std::string token = links_->Make("INC-1", "alice", clock_.Now() + 3'600'000);
  httplib::Client c("127.0.0.1", port_);
  auto view = c.Get("/page/INC-1?t=" + token);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, 200);
  EXPECT_NE(view->body.find("checkout is down"), std::string::npos);
  EXPECT_EQ(view->get_header_value("Referrer-Policy"), "no-referrer");
  auto confirm = c.Get("/page/INC-1/ack?t=" + token);
  ASSERT_TRUE(confirm);
  EXPECT_EQ(confirm->status, 200);
  EXPECT_NE(confirm->body.find("<form method=\"post\""), std::string::npos);
  EXPECT_EQ(State("INC-1"), incident::State::kTriggered) << "a GET (a mail scanner) acks nothing";

  auto ack = PostForm("/page/INC-1/ack", FormEncode({{"t", token}}));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->status, 200) << ack->body;
  EXPECT_EQ(State("INC-1"), incident::State::kAcknowledged);
  EXPECT_TRUE(pager_->Acknowledged("INC-1"));
  const auto timeline = incidents_->Timeline("INC-1");
  ASSERT_TRUE(timeline);
  EXPECT_EQ(timeline->back().actor, "alice");
  EXPECT_EQ(timeline->back().source, "page");

  auto replay = PostForm("/page/INC-1/ack", FormEncode({{"t", token}}));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 403);
  EXPECT_NE(replay->body.find("used already"), std::string::npos);
}

TEST_F(PageApiTest, LinkForAnotherIncidentOrForgedIsRefused) {
  const std::string token = links_->Make("INC-1", "alice", clock_.Now() + 3'600'000);
  auto other = PostForm("/page/INC-2/ack", FormEncode({{"t", token}}));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 401);
  EXPECT_EQ(State("INC-2"), incident::State::kTriggered);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto bad = PostForm("/page/INC-1/ack", FormEncode({{"t", forged}}));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  httplib::Client c("127.0.0.1", port_);
  auto view = c.Get("/page/INC-1?t=" + forged);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, 401);
  EXPECT_EQ(view->body.find("checkout"), std::string::npos) << "nothing shown without a link";
  EXPECT_EQ(State("INC-1"), incident::State::kTriggered);
  // The original still works: refusals did not use it.
  auto ack = PostForm("/page/INC-1/ack", FormEncode({{"t", token}}));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->status, 200);
}

TEST_F(PageApiTest, SignedSmsReplyAcknowledgesTheLastPage) {
  pager_->Page({"INC-2", "search is slow", 1, 1, {"alice"}}, clock_.Now());
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"From", "+4911"}, {"Body", "ack"}, {"MessageSid", "SM1"}};
  std::string signed_text = "https://fw.example.com/api/v1/paging/sms";
  for (const auto& [k, v] : std::map<std::string, std::string>(fields.begin(), fields.end())) {
    signed_text += k + v;
  }
  // Unsigned or signed with another token: refused.
  auto unsigned_reply = PostForm("/api/v1/paging/sms", FormEncode(fields));
  ASSERT_TRUE(unsigned_reply);
  EXPECT_EQ(unsigned_reply->status, 403);
  auto wrong = PostForm("/api/v1/paging/sms", FormEncode(fields),
                        {{"X-Twilio-Signature", TwilioSignature("other", signed_text)}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(State("INC-2"), incident::State::kTriggered);

  auto reply = PostForm("/api/v1/paging/sms", FormEncode(fields),
                        {{"X-Twilio-Signature", TwilioSignature("twilio-token", signed_text)}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->body.find("<Message>INC-2 acknowledged"), std::string::npos) << reply->body;
  EXPECT_EQ(State("INC-2"), incident::State::kAcknowledged);
  EXPECT_EQ(incidents_->Timeline("INC-2")->back().source, "sms");
}

TEST_F(PageApiTest, PeopleListMasksAddresses) {
  httplib::Client c("127.0.0.1", port_);
  c.set_bearer_token_auth("admin-token");
  auto res = c.Get("/api/v1/people");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["data"]["people"][0]["name"], "alice");
  EXPECT_EQ(j["data"]["people"][0]["methods"][0]["address"], "*4911");
}

}  // namespace
}  // namespace fw::notify
