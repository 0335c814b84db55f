// The logs HTTP API's bounds: finished Logs Insights results are kept by
// count, bytes and age (on the Clock), a result over max_result_bytes fails
// its query, and pushes that are not UTF-8 are refused whole.
#include "logs/api/logs_api.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "server/http.h"

namespace fw::logs::api {
namespace {

using nlohmann::json;

class LogsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("fw_logs_api_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    api_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<httplib::Client> Serve(LogsApiOptions o) {
    auto s = store::LogStore::Open(dir_ + "/store", clock_);
    EXPECT_TRUE(s);
    store_ = std::move(*s);
    server::ServerOptions so;
    so.tokens = {{"t", server::Role::kAdmin, "test"}};
    server_ = std::make_unique<server::HttpServer>(so, clock_);
    api_ = RegisterLogsApi(*server_, *store_, clock_, o);
    auto port = server_->Start();
    EXPECT_TRUE(port);
    auto c = std::make_unique<httplib::Client>("127.0.0.1", *port);
    c->set_read_timeout(10, 0);
    return c;
  }

  // Starts a query and returns its id.
  static std::string Start(httplib::Client& c, const std::string& q) {
    auto r = c.Post("/api/v1/logs/queries", json{{"queryString", q}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r ? json::parse(r->body).value("queryId", "") : "";
  }

  // Polls until the query is no longer Running (each poll is a round trip to
  // the server; bounded by a steady-clock deadline, not a sleep).
  static json Wait(httplib::Client& c, const std::string& id) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < give_up) {
      auto r = c.Get("/api/v1/logs/queries/" + id);
      if (!r || r->status != 200) return json{{"http", r ? r->status : 0}};
      json j = json::parse(r->body);
      if (j["status"] != "Running") return j;
    }
    return json{{"status", "still running"}};
  }

  ManualClock clock_{1'768'485'600'000};
  std::string dir_;
  std::unique_ptr<store::LogStore> store_;
  std::unique_ptr<server::HttpServer> server_;
  std::unique_ptr<LogsApi> api_;
};

const httplib::Headers kAuth = {{"Authorization", "Bearer t"}};

TEST_F(LogsApiTest, FinishedResultsAreForgottenAfterTheirAge) {
  LogsApiOptions o;
  o.max_kept_age_ms = 60'000;
  auto c = Serve(o);
  ASSERT_TRUE(c->Post("/api/v1/logs/push", kAuth, "{\"msg\":\"hello\"}\n", "application/json"));
  const std::string id = Start(*c, "fields msg");
  EXPECT_EQ(Wait(*c, id)["status"], "Complete");
  clock_.Advance(std::chrono::milliseconds(59'000));
  EXPECT_EQ(c->Get("/api/v1/logs/queries/" + id)->status, 200) << "kept within its age";
  clock_.Advance(std::chrono::milliseconds(2'000));
  EXPECT_EQ(c->Get("/api/v1/logs/queries/" + id)->status, 404) << "forgotten after it";
}

TEST_F(LogsApiTest, FinishedResultsAreBoundedInBytes) {
  LogsApiOptions o;
  o.max_kept_bytes = 1;  // any finished result is over: only the newest is kept
  auto c = Serve(o);
  ASSERT_TRUE(c->Post("/api/v1/logs/push", kAuth, "{\"msg\":\"hello\"}\n", "application/json"));
  const std::string first = Start(*c, "fields msg");
  EXPECT_EQ(Wait(*c, first)["status"], "Complete");
  const std::string second = Start(*c, "fields msg");
  EXPECT_EQ(Wait(*c, second)["status"], "Complete");
  EXPECT_EQ(c->Get("/api/v1/logs/queries/" + first)->status, 404);
}

TEST_F(LogsApiTest, AResultOverTheLimitFailsItsQuery) {
  LogsApiOptions o;
  o.max_result_bytes = 100;
  auto c = Serve(o);
  std::string lines;
  for (int i = 0; i < 50; ++i) lines += "{\"msg\":\"line number " + std::to_string(i) + "\"}\n";
  ASSERT_TRUE(c->Post("/api/v1/logs/push", kAuth, lines, "application/json"));
  const json j = Wait(*c, Start(*c, "fields msg"));
  EXPECT_EQ(j["status"], "Failed");
  EXPECT_NE(j.value("error", "").find("over the limit of 100"), std::string::npos) << j.dump();
}

TEST_F(LogsApiTest, PushesThatAreNotUtf8AreRefusedWhole) {
  auto c = Serve({});
  auto r = c->Post("/api/v1/logs/push", kAuth, "{\"msg\":\"ok\"}\n{\"msg\":\"bad \xff\"}\n",
                   "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("body is not valid UTF-8 (byte 25"), std::string::npos) << r->body;
  const json j = Wait(*c, Start(*c, "fields msg"));
  EXPECT_EQ(j["status"], "Complete");
  EXPECT_TRUE(j["results"].empty()) << "nothing of a refused push is stored: " << j.dump();
}

}  // namespace
}  // namespace fw::logs::api
