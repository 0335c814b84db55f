// Scraping end to end: `firewatch check config`, and `firewatch serve
// --config` scraping a live `firewatch sim serve` found through its HTTP
// service discovery, then answering PromQL about what it scraped.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// Reads lines until one starts with `prefix`; returns the port after it.
int PortFrom(Background& p, const std::string& prefix) {
  const std::string line = p.ReadLine();
  EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
  return line.rfind(prefix, 0) == 0 ? std::stoi(line.substr(prefix.size())) : 0;
}

TEST(ScrapeE2eTest, CheckConfigAcceptsTheShippedConfig) {
  const std::string file = std::string(FW_SOURCE_DIR) + "/config/firewatch.yml";
  RunResult r = e2e::Run({FIREWATCH_BIN, "check", "config", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, file +
                       ": ok (2 scrape configs, 1 static targets, 1 rule files with 9 rules, 1 "
                       "receivers, 9 runbooks, 9 actions, 0 databases)\n");
}

TEST(ScrapeE2eTest, CheckConfigListsErrorsWithPositions) {
  const std::string dir = MakeTempDir();
  const std::string bad = Write(dir + "/bad.yml",
                                "scrape_configs:\n"
                                "  - job_name: a\n"
                                "    scheme: https\n"
                                "rule_files: [x.yml]\n"
                                "remote_read: []\n");
  RunResult r = e2e::Run({FIREWATCH_BIN, "check", "config", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(bad + ":5:1: remote_read: not supported yet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(bad + ":4:14: rule_files[0]: no file matches \"x.yml\""), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad + ":3:13: scrape_configs[0].scheme: https is not supported yet"),
            std::string::npos)
      << r.err;
  r = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/missing.yml"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot read config file"), std::string::npos) << r.err;
  // serve refuses the same file before opening anything.
  r = e2e::Run({FIREWATCH_BIN, "serve", "--config", bad, "--data", dir + "/data"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/data"));
}

TEST(ScrapeE2eTest, ServeScrapesTheSimulatorThroughHttpSd) {
  Background sim(
      {FIREWATCH_BIN, "sim", "serve", "--scenario", "steady-state", "--speed", "60", "--port", "0"},
      {"FIREWATCH_TOKEN=sim"});
  const int sim_port = PortFrom(sim, "listening on http://127.0.0.1:");
  ASSERT_GT(sim_port, 0);
  const std::string dir = MakeTempDir();
  const std::string config = Write(dir + "/firewatch.yml",
                                   "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
                                   "storage: {dir: " +
                                       dir +
                                       "/store}\n"
                                       "scrape_configs:\n"
                                       "  - job_name: firewatch-sim\n"
                                       "    http_sd_configs:\n"
                                       "      - url: http://127.0.0.1:" +
                                       std::to_string(sim_port) +
                                       "/sim/targets\n"
                                       "        refresh_interval: 1s\n");
  Background serve({FIREWATCH_BIN, "serve", "--config", config, "--port", "0"},
                   {"FIREWATCH_TOKEN=e2e"});
  const int port = PortFrom(serve, "listening on http://127.0.0.1:");
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10, 0);

  // Poll until every discovered target has been scraped once (1 s interval).
  std::set<std::string> up_instances;
  json result;
  for (int i = 0; i < 100 && up_instances.size() < 8; ++i) {
    auto r = c.Get("/api/v1/query?query=up");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    result = json::parse(r->body)["data"]["result"];
    up_instances.clear();
    for (const json& s : result) {
      if (s["value"][1] == "1") up_instances.insert(s["metric"]["instance"].get<std::string>());
    }
    if (up_instances.size() < 8) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(up_instances.size(), 8u)
      << "6 app instances, the database, the cloud: " << result.dump();
  EXPECT_TRUE(up_instances.count("db-primary")) << result.dump();
  EXPECT_TRUE(up_instances.count("cloud"));
  for (const json& s : result) {
    EXPECT_TRUE(s["metric"]["job"] == "app" || s["metric"]["job"] == "mysql" ||
                s["metric"]["job"] == "cloud")
        << s.dump();
  }
  // A scraped series, with the target's labels.
  auto r = c.Get("/api/v1/query?query=count(hikaricp_connections_active)");
  ASSERT_TRUE(r);
  EXPECT_NE(json::parse(r->body)["data"]["result"].size(), 0u) << r->body;
  r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("firewatch_scrapes_total"), std::string::npos);

  EXPECT_EQ(serve.Terminate(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/store")) << "storage.dir used without --data";

  // Stopping marked every target stale: the data is there, `up` is not.
  Background after({FIREWATCH_BIN, "serve", "--data", dir + "/store", "--port", "0"},
                   {"FIREWATCH_TOKEN=e2e"});
  httplib::Client c2("127.0.0.1", PortFrom(after, "listening on http://127.0.0.1:"));
  r = c2.Get("/api/v1/query?query=up");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["data"]["result"].size(), 0u) << r->body;
  r = c2.Get("/api/v1/query?query=count(count_over_time(up%5B5m%5D))");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["data"]["result"][0]["value"][1],
            std::to_string(up_instances.size()))
      << r->body;
}

}  // namespace
}  // namespace fw::e2e
