#include "alerting/notifier.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <tuple>

#include "alerting/receivers.h"

namespace fw::alerting {
namespace {

namespace fs = std::filesystem;

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fw_outbox_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      bodies_.push_back(req.body);
      res.status = fail_next_ > 0 ? (fail_next_--, 503) : 200;
    });
    server_.Post("/reject",
                 [](const httplib::Request&, httplib::Response& res) { res.status = 400; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }
  std::string Url(const char* path) { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  template <typename F>
  static bool WaitFor(F done) {
    for (int i = 0; i < 300; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  fs::path dir_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::vector<std::string> bodies_;  // written by the server thread only
  std::atomic<int> fail_next_{0};
  RealClock clock_;
  Notifier::Options fast_{std::chrono::seconds(2), std::chrono::milliseconds(20),
                          std::chrono::milliseconds(100)};
};

TEST_F(NotifierTest, RetriesUntilDeliveredAndDropsRejected) {
  auto box = Outbox::Open(dir_.string());
  ASSERT_TRUE(box);
  fail_next_ = 2;
  Notifier n(**box, clock_, nullptr, fast_);
  n.Start();
  ASSERT_TRUE(n.Send({"", "oncall", Url("/hook"), R"({"a":1})", 0}));
  ASSERT_TRUE(n.Send({"", "oncall", Url("/reject"), R"({"b":2})", 0}));
  EXPECT_TRUE(WaitFor([&] { return n.delivered() == 1 && n.dropped() == 1; }));
  n.Stop();
  EXPECT_EQ(n.failed_attempts(), 3u) << "two 503s, one 400";
  EXPECT_EQ(bodies_.size(), 3u);
  EXPECT_TRUE((*box)->Pending().empty());
}

TEST_F(NotifierTest, UndeliveredSurviveARestart) {
  {
    auto box = Outbox::Open(dir_.string());
    ASSERT_TRUE(box);
    ASSERT_TRUE((*box)->Enqueue({"", "oncall", Url("/hook"), "first", 1}));
    ASSERT_TRUE((*box)->Enqueue({"", "oncall", Url("/hook"), "second\nline", 2}));
    std::ofstream(dir_ / "d-00000000000000000009.tmp") << "torn";  // a crash mid-write
  }
  auto box = Outbox::Open(dir_.string());
  ASSERT_TRUE(box);
  auto pending = (*box)->Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[1].body, "second\nline");
  EXPECT_FALSE(fs::exists(dir_ / "d-00000000000000000009.tmp"));
  Notifier n(**box, clock_, nullptr, fast_);
  n.Start();
  EXPECT_TRUE(WaitFor([&] { return n.delivered() == 2; }));
  n.Stop();
  EXPECT_EQ(bodies_, (std::vector<std::string>{"first", "second\nline"}));
}

// An exec receiver: the program gets the body on stdin (argv, no shell in
// between: the test's own `sh -c` is just the program it chose). Exit 0 is
// delivered; another status is retried; a missing program is given up.
TEST_F(NotifierTest, ExecReceiversRunTheirProgramWithTheBodyOnStdin) {
  auto box = Outbox::Open(dir_.string());
  ASSERT_TRUE(box);
  const fs::path out = dir_.string() + "_exec_out";
  const fs::path flag = dir_.string() + "_exec_flag";
  fs::remove(out);
  fs::remove(flag);
  std::vector<std::tuple<std::string, bool, bool>> attempts;  // url, delivered, retry
  std::mutex mu;
  Notifier n(**box, clock_, nullptr, fast_,
             [&](const Delivery& d, bool delivered, const std::string&, bool retry) {
               std::lock_guard lock(mu);
               attempts.emplace_back(d.url, delivered, retry);
             });
  n.Start();
  ExecConfig writes{{"sh", "-c", "cat > '" + out.string() + "'"}, std::chrono::seconds(5), true};
  // Fails once (no flag file yet), then succeeds: retried until delivered.
  ExecConfig flaky{
      {"sh", "-c", "test -e '" + flag.string() + "' || { touch '" + flag.string() + "'; exit 3; }"},
      std::chrono::seconds(5),
      true};
  ExecConfig missing{{"/nonexistent/firewatch-notify"}, std::chrono::seconds(5), true};
  ASSERT_TRUE(n.Send({"", "ops", ExecUrl(writes), R"({"status":"firing"})", 0}));
  ASSERT_TRUE(n.Send({"", "ops", ExecUrl(flaky), "{}", 0}));
  ASSERT_TRUE(n.Send({"", "ops", ExecUrl(missing), "{}", 0}));
  EXPECT_TRUE(WaitFor([&] { return n.delivered() == 2 && n.dropped() == 1; }));
  n.Stop();
  std::ifstream in(out);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, R"({"status":"firing"})");
  std::lock_guard lock(mu);
  int retried = 0;
  for (const auto& [url, delivered, retry] : attempts) retried += !delivered && retry;
  EXPECT_EQ(retried, 1) << "the flaky command's first exit 3";
  EXPECT_TRUE((*box)->Pending().empty());
  fs::remove(out);
  fs::remove(flag);
}

}  // namespace
}  // namespace fw::alerting
