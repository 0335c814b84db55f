// Alert storms against the real `firewatch serve` (ctest -L hardening,
// issue #14): one post of 3,000 alerts, then one unrelated critical alert
// whose page must reach its webhook within 2 s; one post of 22,000 alerts
// with a bounded run time, whose notifications are not sent again after a
// kill -9 and restart. Times are printed (BENCHMARKS.md, "Hardening").

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The page bound: 2 s (the issue's), on an optimised build. AddressSanitizer
// makes everything about ten times slower; there the page bound is 5 s and
// the waits for the storm itself (kSlow) are four times longer.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kPageBound = 5.0;
constexpr int kSlow = 4;
#else
constexpr double kPageBound = 2.0;
constexpr int kSlow = 1;
#endif

// Webhook receivers on 127.0.0.1: every payload per path, with its arrival.
class Hooks {
 public:
  Hooks() {
    for (const char* path : {"/oncall", "/pager"}) {
      server_.Post(path, [this, path](const httplib::Request& req, httplib::Response&) {
        std::lock_guard lock(mu_);
        got_.push_back({path, Clock::now(), json::parse(req.body, nullptr, false)});
      });
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Hooks() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // When the first payload to `path` carrying `alertname` firing arrived.
  std::optional<Clock::time_point> FirstFiring(const std::string& path,
                                               const std::string& alertname) const {
    std::lock_guard lock(mu_);
    for (const Got& g : got_) {
      if (g.path != path || !g.body.is_object() || g.body.value("status", "") != "firing") continue;
      for (const json& a : g.body["alerts"]) {
        if (a["labels"].value("alertname", "") == alertname) return g.at;
      }
    }
    return std::nullopt;
  }
  // Payloads to `path` and the alerts they carried.
  std::pair<size_t, size_t> Count(const std::string& path) const {
    std::lock_guard lock(mu_);
    size_t payloads = 0, alerts = 0;
    for (const Got& g : got_) {
      if (g.path != path || !g.body.is_object()) continue;
      ++payloads;
      alerts += g.body["alerts"].size();
    }
    return {payloads, alerts};
  }

 private:
  struct Got {
    std::string path;
    Clock::time_point at;
    json body;
  };
  mutable std::mutex mu_;
  std::vector<Got> got_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

json StormAlert(const std::string& name, int i, const std::string& severity) {
  return {{"labels",
           {{"alertname", name},
            {"instance", "host-" + std::to_string(i)},
            {"service", "shop"},
            {"severity", severity}}},
          {"annotations", {{"summary", "instance " + std::to_string(i) + " is down"}}}};
}

class StormTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    std::ofstream(dir_ + "/firewatch.yml") << "route:\n"
                                              "  receiver: oncall\n"
                                              "  group_by: [alertname]\n"
                                              "  group_wait: 1s\n"
                                              "  group_interval: 1m\n"
                                              "  repeat_interval: 4h\n"
                                              "  routes:\n"
                                              "    - matchers: ['severity=\"critical\"']\n"
                                              "      receiver: pager\n"
                                              "      group_wait: 0s\n"
                                              "receivers:\n"
                                              "  - name: oncall\n"
                                              "    webhook_configs: [{url: '"
                                           << hooks_.Url("/oncall")
                                           << "'}]\n"
                                              "  - name: pager\n"
                                              "    webhook_configs: [{url: '"
                                           << hooks_.Url("/pager") << "'}]\n";
  }

  std::unique_ptr<httplib::Client> Start() {
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--config", dir_ + "/firewatch.yml",
                                 "--data", dir_ + "/data", "--port", "0",
                                 // one post of 22,000 alerts is about 3 MiB
                                 "--max-body-bytes", "16777216"},
        std::vector<std::string>{"FIREWATCH_TOKEN=storm"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) return nullptr;
    auto c = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(line.substr(prefix.size())));
    c->set_bearer_token_auth("storm");
    c->set_read_timeout(60, 0);
    return c;
  }

  // POSTs alerts [from, to) of the storm in one request.
  void PostStorm(httplib::Client& c, const std::string& name, int from, int to) {
    json body = json::array();
    for (int i = from; i < to; ++i) body.push_back(StormAlert(name, i, "warning"));
    auto r = c.Post("/api/v2/alerts", body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  // Posts one critical alert once the storm's group is being notified (its
  // group_wait of 1 s is over); returns seconds until its page arrived.
  double PageLatency(httplib::Client& c, const std::string& name, Clock::time_point storm) {
    std::this_thread::sleep_until(storm + std::chrono::milliseconds(1500));
    const auto sent = Clock::now();
    auto r = c.Post("/api/v2/alerts", json::array({StormAlert(name, 0, "critical")}).dump(),
                    "application/json");
    EXPECT_TRUE(r && r->status == 200);
    std::optional<Clock::time_point> got;
    PollUntil([&] { return (got = hooks_.FirstFiring("/pager", name)).has_value(); },
              std::chrono::milliseconds(60'000), std::chrono::milliseconds(5));
    return got ? Seconds(*got - sent) : 1e9;
  }

  struct StormRun {
    double post = 0, page = 0, told = -1;  // seconds
    size_t payloads = 0, alerts = 0;       // to /oncall
  };
  // Posts a storm of n InstanceDown warnings, then a critical DatabaseDown;
  // waits for the storm's notification.
  StormRun StormThenPage(httplib::Client& c, int n) {
    StormRun run;
    const auto t0 = Clock::now();
    PostStorm(c, "InstanceDown", 0, n);
    run.post = Seconds(Clock::now() - t0);
    run.page = PageLatency(c, "DatabaseDown", Clock::now());
    std::optional<Clock::time_point> told;
    PollUntil([&] { return (told = hooks_.FirstFiring("/oncall", "InstanceDown")).has_value(); },
              std::chrono::milliseconds(60'000 * kSlow));
    if (told) run.told = Seconds(*told - t0);
    std::tie(run.payloads, run.alerts) = hooks_.Count("/oncall");
    std::printf(
        "storm %d: post %.3f s, critical page %.3f s after its post, storm notified %.3f s "
        "after the first post in %zu payload(s) carrying %zu alerts\n",
        n, run.post, run.page, run.told, run.payloads, run.alerts);
    return run;
  }

  Hooks hooks_;
  std::string dir_;
  std::unique_ptr<Background> server_;
};

TEST_F(StormTest, CriticalPageArrivesWithin2sAfterAStormOf3000) {
  auto c = Start();
  ASSERT_TRUE(c);
  const StormRun run = StormThenPage(*c, 3000);
  EXPECT_LT(run.page, kPageBound) << "the critical page waited behind the storm";
  ASSERT_GE(run.told, 0) << "the storm was never notified";
  EXPECT_EQ(run.payloads, 1u) << "one group, one notification";
  EXPECT_EQ(run.alerts, 3000u);
}

TEST_F(StormTest, AStormOf22000IsBoundedAndNotSentAgainAfterARestart) {
  auto c = Start();
  ASSERT_TRUE(c);
  const StormRun run = StormThenPage(*c, 22'000);
  const std::pair<size_t, size_t> first{run.payloads, run.alerts};
  EXPECT_LT(run.post, 30.0 * kSlow);
  EXPECT_LT(run.page, kPageBound);
  ASSERT_GE(run.told, 0) << "the storm was never notified";
  EXPECT_EQ(first.second, 22'000u);
  // Wait until the incident side has taken the storm in, then crash.
  ASSERT_TRUE(PollUntil(
      [&] {
        auto r = c->Get("/api/v1/incidents");
        return r && r->status == 200 && r->body.find("InstanceDown") != std::string::npos;
      },
      std::chrono::milliseconds(60'000 * kSlow)));
  server_->Kill();
  const auto t1 = Clock::now();
  c = Start();
  ASSERT_TRUE(c);
  const double restart = Seconds(Clock::now() - t1);
  const double page2 = PageLatency(*c, "CacheDown", Clock::now());
  // The storm took about 4 s to be told the first time: in 12 s (or one
  // and a half times as long as it took), nothing of it is sent again (the
  // notification log knows it was sent).
  const bool resent = PollUntil(
      [&] { return hooks_.Count("/oncall").first > first.first; },
      std::chrono::milliseconds(std::max<int64_t>(12'000, static_cast<int64_t>(run.told * 1500))));
  EXPECT_FALSE(resent);
  const auto after = hooks_.Count("/oncall");
  std::printf(
      "storm 22000 after kill -9: listening %.3f s after restart, critical page %.3f s, "
      "storm payloads sent again: %zu\n",
      restart, page2, after.first - first.first);
  EXPECT_LT(page2, kPageBound);
  EXPECT_EQ(after.first, first.first) << "the storm was notified again after the restart";
}

}  // namespace
}  // namespace fw::e2e
