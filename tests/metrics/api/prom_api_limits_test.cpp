// The Prometheus API answers each query limit as Prometheus does: 400
// bad_data for a query nested too deep, 503 timeout past --query.timeout,
// 422 execution past --query.max-samples. Time comes from a clock that moves
// one second per reading, so the time limit runs out without sleeping.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "metrics/api/prom_api.h"
#include "server/http.h"

namespace fw::metrics::api {
namespace {

using nlohmann::json;

class TickingClock final : public Clock {
 public:
  Timestamp Now() const override {
    std::lock_guard lock(mu_);
    return now_ += 1000;
  }
  void SleepUntil(Timestamp t) override {
    std::lock_guard lock(mu_);
    now_ = std::max(now_, t);
  }

 private:
  mutable std::mutex mu_;
  mutable Timestamp now_ = 1'768'485'600'000;
};

class PromApiLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("fw_prom_api_limits_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<httplib::Client> Serve(ApiOptions o) {
    auto db = tsdb::Db::Open(dir_);
    EXPECT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    server_ = std::make_unique<server::HttpServer>(server::ServerOptions{}, clock_);
    RegisterPrometheusApi(*server_, *db_, clock_, o);
    auto port = server_->Start();
    EXPECT_TRUE(port);
    auto c = std::make_unique<httplib::Client>("127.0.0.1", *port);
    c->set_read_timeout(30, 0);
    return c;
  }

  static std::pair<int, json> Query(httplib::Client& c, const std::string& q) {
    auto r = c.Post("/api/v1/query", httplib::Params{{"time", "1768485600"}, {"query", q}});
    if (!r) return {0, {}};
    return {r->status, json::parse(r->body)};
  }

  TickingClock clock_;
  std::string dir_;
  std::unique_ptr<tsdb::Db> db_;
  std::unique_ptr<server::HttpServer> server_;
};

TEST_F(PromApiLimitsTest, TimeoutIs503Timeout) {
  ApiOptions o;
  o.query_limits.timeout = std::chrono::seconds(30);
  auto c = Serve(o);
  auto [status, j] = Query(*c, "max_over_time(vector(1)[3650d:1ms])");
  EXPECT_EQ(status, 503) << j.dump();
  EXPECT_EQ(j["errorType"], "timeout");
  EXPECT_EQ(j["error"], "query timed out in expression evaluation");
}

TEST_F(PromApiLimitsTest, MaxSamplesIs422Execution) {
  ApiOptions o;
  o.query_limits.max_samples = 100;
  auto c = Serve(o);
  auto [status, j] = Query(*c, "max_over_time(vector(1)[1h:1s])");
  EXPECT_EQ(status, 422) << j.dump();
  EXPECT_EQ(j["errorType"], "execution");
}

TEST_F(PromApiLimitsTest, DepthIs400BadDataAndConfigurable) {
  ApiOptions o;
  o.query_limits.max_depth = 5;
  auto c = Serve(o);
  auto [status, j] = Query(*c, "((((((1))))))");
  EXPECT_EQ(status, 400) << j.dump();
  EXPECT_EQ(j["errorType"], "bad_data");
  EXPECT_NE(j["error"].get<std::string>().find("nested deeper than 5 levels"), std::string::npos);
  EXPECT_EQ(Query(*c, "((1))").first, 200);
}

}  // namespace
}  // namespace fw::metrics::api
