// The incidents HTTP API's action-item routes on a real server: list, add
// one or many, mark done, roles (reads for anyone, writes for responders)
// and error answers.

#include "incident/api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "incident/sqlite_store.h"
#include "temp_dir.h"

namespace fw::incident {
namespace {

using nlohmann::json;

class ActionItemsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("i.db"));
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    svc_ = std::make_unique<IncidentService>(*store_, clock_);
    auto inc = svc_->Declare({"pool exhausted", {"checkout"}, Severity::kP1, ""}, {"ann", "cli"});
    ASSERT_TRUE(inc);
    id_ = inc->id;
    server::ServerOptions opts;
    opts.tokens.push_back({"resp", server::Role::kResponder, "ops"});
    opts.tokens.push_back({"view", server::Role::kViewer, "watcher"});
    http_ = std::make_unique<server::HttpServer>(opts, clock_);
    RegisterIncidentApi(*http_, *svc_, clock_);
    auto port = http_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
  }
  void TearDown() override { http_.reset(); }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token = "resp") {
    httplib::Client c("127.0.0.1", port_);
    if (!token.empty()) c.set_bearer_token_auth(token);
    return c.Post(path, body, "application/json");
  }
  json GetItems() {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get("/api/v1/incidents/" + id_ + "/action_items");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    return res ? json::parse(res->body, nullptr, false) : json();
  }
  std::string Items() const { return "/api/v1/incidents/" + id_ + "/action_items"; }

  TempDir dir_;
  ManualClock clock_{1'768'487'100'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<IncidentService> svc_;
  std::unique_ptr<server::HttpServer> http_;
  std::string id_;
  int port_ = 0;
};

TEST_F(ActionItemsApiTest, AddListAndMarkDone) {
  EXPECT_EQ(GetItems()["data"], json::array());
  auto one = Post(Items(), R"({"text": "fix the leak", "owner": "bob"})");
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 200) << one->body;
  EXPECT_EQ(json::parse(one->body)["data"][0]["id"], "AI-1");
  auto many = Post(Items(), R"({"items": [{"text": "alert on pool"}, {"text": "canary"}]})");
  ASSERT_TRUE(many);
  ASSERT_EQ(many->status, 200) << many->body;
  EXPECT_EQ(json::parse(many->body)["data"].size(), 2u);
  auto done = Post(Items() + "/AI-2", R"({"done": true})");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  const json item = json::parse(done->body)["data"];
  EXPECT_EQ(item["done"], true);
  EXPECT_EQ(item["text"], "alert on pool");
  EXPECT_FALSE(item["doneAt"].get<std::string>().empty());
  const json list = GetItems()["data"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["owner"], "bob");
  EXPECT_EQ(list[1]["done"], true);
  EXPECT_EQ(list[2]["done"], false);
  auto timeline = svc_->Timeline(id_);
  ASSERT_TRUE(timeline);
  EXPECT_EQ(timeline->back().actor, "ops");  // the token's name
  EXPECT_EQ(timeline->back().text, "action item AI-2 done: alert on pool");
}

TEST_F(ActionItemsApiTest, WritesNeedAResponder) {
  auto anonymous = Post(Items(), R"({"text": "x"})", "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto viewer = Post(Items(), R"({"text": "x"})", "view");
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->status, 403);
  EXPECT_EQ(GetItems()["data"].size(), 0u);
}

TEST_F(ActionItemsApiTest, BadRequestsAreExplained) {
  auto no_text = Post(Items(), R"({"owner": "bob"})");
  ASSERT_TRUE(no_text);
  EXPECT_EQ(no_text->status, 400);
  EXPECT_NE(no_text->body.find("\\\"text\\\""), std::string::npos) << no_text->body;
  auto bad_done = Post(Items() + "/AI-1", R"({"done": "yes"})");
  ASSERT_TRUE(bad_done);
  EXPECT_EQ(bad_done->status, 400);
  auto missing = Post(Items() + "/AI-9", "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto no_incident = Post("/api/v1/incidents/INC-99/action_items", R"({"text": "x"})");
  ASSERT_TRUE(no_incident);
  EXPECT_EQ(no_incident->status, 404);
  // The other verbs still reach their handler.
  auto note = Post("/api/v1/incidents/" + id_ + "/notes", R"({"text": "still works"})");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->status, 200) << note->body;
}

}  // namespace
}  // namespace fw::incident
