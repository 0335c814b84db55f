#include "sim/simulator.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../common/scratch_dir.h"
#include "sim/builtin_scenarios.h"
#include "sim/exposition.h"
#include "sim/run_output.h"
#include "sim/summary.h"
#include "sim/world.h"

namespace fw::sim {
namespace {

Scenario Short(const std::string& name, int minutes) {
  auto sc = LoadBuiltinScenario(name);
  EXPECT_TRUE(sc.has_value());
  sc->duration = std::chrono::minutes(minutes);
  return *sc;
}

class CollectingSink final : public SimSink {
 public:
  void OnLog(std::string_view l) override { logs.emplace_back(l); }
  void OnChange(std::string_view l) override { changes.emplace_back(l); }
  void OnScrape(Timestamp, const Simulator&) override { ++scrapes; }
  std::vector<std::string> logs, changes;
  int scrapes = 0;
};

TEST(SimulatorTest, SameSeedSameRunOtherSeedOtherRun) {
  auto run = [](uint64_t seed) {
    Scenario sc = Short("db-pool-exhaustion", 12);
    sc.seed = seed;
    Simulator sim(sc);
    CollectingSink sink;
    sim.set_sink(&sink);
    sim.RunUntil(sim.end());
    return sink.logs;
  };
  const auto a = run(42), b = run(42), c = run(43);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SimulatorTest, ScrapesOnTheIntervalAndStepsOnTheStep) {
  Simulator sim(Short("steady-state", 5));
  CollectingSink sink;
  sim.set_sink(&sink);
  sim.RunUntil(sim.end());
  EXPECT_EQ(sim.history().size(), 300u);
  EXPECT_EQ(sink.scrapes, 20);  // 5m / 15s
  EXPECT_EQ(sim.now(), sim.end());
}

TEST(SimulatorTest, LogLinesCarryTheDocumentedFields) {
  Simulator sim(Short("db-pool-exhaustion", 26));
  CollectingSink sink;
  sim.set_sink(&sink);
  sim.RunUntil(sim.end());
  bool saw_pool_timeout = false, saw_access = false;
  for (const std::string& l : sink.logs) {
    ASSERT_EQ(l.rfind("{\"@timestamp\":\"2026-01-15T", 0), 0u) << l;
    if (l.find("Connection is not available, request timed out after 15000ms") !=
        std::string::npos) {
      saw_pool_timeout = true;
      for (const char* f : {"\"level\":\"ERROR\"", "\"instance\":\"i-0", "\"route\":",
                            "\"method\":", "\"status\":500", "\"latency_ms\":", "\"user_id\":\"u-",
                            "\"trace_id\":", "\"version\":\"v2.5.0\""}) {
        EXPECT_NE(l.find(f), std::string::npos) << f << " in " << l;
      }
    }
    if (l.find("\"status\":200") != std::string::npos) saw_access = true;
  }
  EXPECT_TRUE(saw_pool_timeout);
  EXPECT_TRUE(saw_access);
  bool saw_deploy = false;
  for (const std::string& c : sink.changes) {
    const size_t first = c.find("\"service\":");
    ASSERT_NE(first, std::string::npos) << c;
    EXPECT_EQ(c.find("\"service\":", first + 1), std::string::npos) << "duplicate key: " << c;
    if (c.find("\"type\":\"deployment\"") != std::string::npos &&
        c.find("\"version\":\"v2.5.0\"") != std::string::npos &&
        c.find("\"previous_version\":\"v2.4.0\"") != std::string::npos &&
        c.find("\"who\":\"alice\"") != std::string::npos) {
      saw_deploy = true;
    }
  }
  EXPECT_TRUE(saw_deploy);
}

TEST(SimulatorTest, ActionsAnswerAndRefuseWithReasons) {
  Simulator sim(Short("steady-state", 10));
  sim.RunUntil(sim.scenario().start + 60'000);
  ActionResult r = sim.Apply({ActionType::kScale, "", 99, "test"});
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.message.find("outside the group's limits"), std::string::npos) << r.message;
  r = sim.Apply({ActionType::kRollback, "", 0, "test"});
  EXPECT_FALSE(r.accepted) << "nothing was deployed after the first version";
  r = sim.Apply({ActionType::kRestartInstance, "i-nope", 0, "test"});
  EXPECT_FALSE(r.accepted);
  const size_t before = sim.Instances().size();
  r = sim.Apply({ActionType::kScale, "", static_cast<double>(before + 2), "test"});
  ASSERT_TRUE(r.accepted) << r.message;
  EXPECT_GT(r.effective_at, sim.now()) << "new instances take time to boot";
  sim.RunUntil(r.effective_at + 1000);
  int in_service = 0;
  for (const InstanceView& v : sim.Instances()) in_service += v.state == "in_service";
  EXPECT_EQ(in_service, static_cast<int>(before + 2));
}

TEST(SimulatorTest, ProcessListShowsLeakedConnectionsAsLongSleeps) {
  Simulator sim(Short("db-pool-exhaustion", 25));
  sim.RunUntil(sim.end());
  int long_sleeps = 0;
  int64_t some_id = 0;
  for (const ProcessRow& r : sim.ProcessList()) {
    if (r.command == "Sleep" && r.time > 60 && r.user == "shop_app") {
      ++long_sleeps;
      some_id = r.id;
    }
  }
  EXPECT_GT(long_sleeps, 100);
  // Killing one on the server frees a database slot but not the app's pool.
  ActionResult r = sim.Apply({ActionType::kKillDbConnections, std::to_string(some_id), 0, "t"});
  EXPECT_TRUE(r.accepted) << r.message;
  r = sim.Apply({ActionType::kKillDbConnections, "999999999", 0, "t"});
  EXPECT_FALSE(r.accepted);
}

TEST(SimulatorTest, RunToDirectoryWritesOpenMetricsAndNdjson) {
  const std::string dir = fw::testing::ScratchDir("fw_sim_run");
  Simulator sim(Short("db-pool-exhaustion", 3));
  auto out = RunToDirectory(sim, dir);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  std::ifstream in(dir + "/metrics.om");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string om = buf.str();
  EXPECT_TRUE(om.ends_with("# EOF\n"));
  EXPECT_NE(om.find("# TYPE http_requests counter\n"), std::string::npos);
  EXPECT_NE(om.find("# TYPE http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(om.find("le=\"0.005\""), std::string::npos);
  EXPECT_NE(om.find("le=\"1.0\""), std::string::npos) << "canonical bucket bounds";
  for (const char* name : {"http_requests_total{",
                           "node_cpu_seconds_total{",
                           "node_memory_MemTotal_bytes{",
                           "node_memory_MemAvailable_bytes{",
                           "process_resident_memory_bytes{",
                           "jvm_memory_used_bytes{area=\"heap\"",
                           "jvm_memory_max_bytes{area=\"heap\"",
                           "hikaricp_connections_active{",
                           "hikaricp_connections_idle{",
                           "hikaricp_connections_pending{",
                           "hikaricp_connections_max{",
                           "hikaricp_connections_timeout_total{",
                           "up{",
                           "mysql_global_status_threads_connected{",
                           "mysql_global_variables_max_connections{",
                           "mysql_global_status_slow_queries{",
                           "mysql_global_status_threads_running{",
                           "asg_desired_capacity{",
                           "asg_in_service_instances{",
                           "lb_healthy_targets{"}) {
    EXPECT_NE(om.find(name), std::string::npos) << name;
  }
  // Timestamps are seconds with milliseconds: the first scrape is 15 s in.
  EXPECT_NE(om.find(" 1768485615.000\n"), std::string::npos);
  // Each family is contiguous: its TYPE line appears once.
  size_t pos = 0;
  int types = 0;
  while ((pos = om.find("# TYPE up gauge", pos)) != std::string::npos) {
    ++types;
    ++pos;
  }
  EXPECT_EQ(types, 1);
  EXPECT_GT(out->metric_samples, 5'000u);
  EXPECT_GT(out->log_lines, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir + "/metrics.om.tmp"));
}

TEST(SimulatorTest, InjectedFaultTakesEffect) {
  Simulator sim(Short("steady-state", 10));
  sim.RunUntil(sim.scenario().start + 120'000);
  FaultSpec f{FaultType::kErrorRate, 0.5, "/product", std::nullopt, std::nullopt, ""};
  sim.InjectFault(f);
  sim.RunUntil(sim.end());
  const WindowStats after = Window(sim, 180'000, 600'000);
  EXPECT_GT(after.route_error_rate[kProduct], 0.4);
  EXPECT_LT(after.route_error_rate[kHome], 0.001);
}

}  // namespace
}  // namespace fw::sim

namespace fw::sim {
namespace {

TEST(SimulatorTest, HungInstanceShowsAsDownAndBalancerTimeouts) {
  Simulator sim(Short("instance-failure", 10));
  sim.RunUntil(sim.end());
  TextExposition all;
  sim.Collect(all);
  const std::string text = all.Render();
  EXPECT_NE(text.find("lb_http_responses_total{code=\"504\",lb=\"shop-alb\"}"), std::string::npos);
  int down = 0;
  for (size_t pos = 0; (pos = text.find("up{instance=", pos)) != std::string::npos; ++pos) {
    down += text.compare(text.find('}', pos), 3, "} 0") == 0;
  }
  EXPECT_EQ(down, 1) << "exactly the hung instance stops answering scrapes";
}

}  // namespace
}  // namespace fw::sim
