// From a sample crossing a threshold to a webhook receiving the Alertmanager
// payload: rules (early evaluation), router, outbox and notifier together.

#include "alerting/alerting_service.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerting/rule_manager.h"
#include "locked_storage.h"

namespace fw::alerting {
namespace {

namespace fs = std::filesystem;

TEST(AlertingServiceTest, ThresholdToWebhookInUnderASecond) {
  httplib::Server hook;
  std::mutex mu;
  std::vector<nlohmann::json> got;
  hook.Post("/hook", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mu);
    got.push_back(nlohmann::json::parse(req.body));
  });
  const int port = hook.bind_to_any_port("127.0.0.1");
  std::thread server([&] { hook.listen_after_bind(); });
  while (!hook.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  YamlReader r("fw.yml");
  auto doc = LoadYaml(
      "route: {receiver: oncall, group_by: [alertname], group_wait: 0s, "
      "group_interval: 1m}\nreceivers: [{name: oncall, webhook_configs: [{url: "
      "'http://127.0.0.1:" +
          std::to_string(port) + "/hook'}]}]\n",
      "fw.yml");
  ASSERT_TRUE(doc);
  RoutingConfig routing = ParseRouting(r, *doc);
  ASSERT_TRUE(r.ok()) << r.errors().front().ToString();
  const fs::path dir = fs::temp_directory_path() / ("fw_svc_" + std::to_string(getpid()));
  auto outbox = Outbox::Open(dir.string());
  ASSERT_TRUE(outbox);
  RealClock clock;
  AlertingService svc(std::move(routing), **outbox, clock, nullptr, {});
  std::vector<std::string> observed;
  svc.AddObserver([&](const Notification& n) {
    std::lock_guard lock(mu);
    observed.push_back(n.receiver);
  });
  LockedStorage storage;
  ParsedRules rules = ParseRules(
      "groups:\n- name: g\n  interval: 1h\n  rules:\n  - alert: ErrorsHigh\n"
      "    expr: errors > 0.01\n    annotations: {summary: 'errors {{ $value }}'}\n",
      "r.yml");
  RuleManager manager(rules.groups, storage, clock,
                      [&](const GroupResult& g) { svc.OnRuleResult(g); },
                      {std::chrono::hours(1), std::chrono::milliseconds(10)});
  svc.Start();
  manager.Start();

  const auto begin = std::chrono::steady_clock::now();
  storage.Add({{"__name__", "errors"}, {"job", "shop"}}, {clock.Now(), 0.45});
  manager.NotifyAppended({"errors"});
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu);
        if (got.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  ASSERT_TRUE(wait_for(1));
  const auto latency = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(latency, std::chrono::seconds(1));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(got[0]["status"], "firing");
    EXPECT_EQ(got[0]["alerts"][0]["labels"]["alertname"], "ErrorsHigh");
    EXPECT_EQ(got[0]["alerts"][0]["annotations"]["summary"], "errors 0.45");
    EXPECT_EQ(observed, std::vector<std::string>{"oncall"});
  }
  // Back to normal: the resolution goes out at once, not after group_interval.
  storage.Add({{"__name__", "errors"}, {"job", "shop"}}, {clock.Now() + 1, 0.001});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  manager.NotifyAppended({"errors"});
  ASSERT_TRUE(wait_for(2));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(got[1]["status"], "resolved");
  }
  manager.Stop();
  svc.Stop();
  hook.stop();
  server.join();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fw::alerting
