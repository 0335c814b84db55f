// `firewatch logs query` as a user runs it, over a small file.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace fw::e2e {
namespace {

RunResult Firewatch(std::vector<std::string> args) {
  args.insert(args.begin(), FIREWATCH_BIN);
  return Run(args);
}

std::string WriteLogs() {
  const std::string path = MakeTempDir() + "/app.ndjson";
  std::ofstream out(path);
  out << R"({"@timestamp":"2026-01-15T14:00:10.000Z","level":"INFO","route":"/","status":200,"latency_ms":12})"
      << "\n"
      << R"({"@timestamp":"2026-01-15T14:00:40.000Z","level":"ERROR","route":"/checkout","status":500,"latency_ms":1500})"
      << "\n"
      << R"({"@timestamp":"2026-01-15T14:01:20.000Z","level":"ERROR","route":"/checkout","status":503,"latency_ms":15000})"
      << "\n"
      << "2026-01-15T14:01:30.000Z ERROR pool exhausted\n";
  return path;
}

TEST(LogsCliTest, JsonOutputNamesColumnsByTheirText) {
  const std::string file = WriteLogs();
  RunResult r = Firewatch({"logs", "query", "--file", file, "--format", "json",
                           "filter @message like /ERROR/ | stats count(*) by bin(1m)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u) << r.out;
  EXPECT_EQ(j[0]["bin(1m)"], "2026-01-15 14:00:00.000");
  EXPECT_EQ(j[0]["count(*)"], 1);
  EXPECT_EQ(j[1]["count(*)"], 2);
}

TEST(LogsCliTest, TableCsvAndTimeRange) {
  const std::string file = WriteLogs();
  RunResult r = Firewatch({"logs", "query", "-f", file, "--start", "2026-01-15T14:00:30Z", "--end",
                           "2026-01-15T14:01:25Z", "fields status, latency_ms | sort status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "status | latency_ms\n"
            "-------+-----------\n"
            "500    | 1500\n"
            "503    | 15000\n");
  r = Firewatch({"logs", "query", "-f", file, "--format", "csv",
                 "stats pct(latency_ms, 99) as p99 by route"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "route,p99\r\n/,12\r\n/checkout,15000\r\n,\r\n")
      << "the plain line has no route";
}

TEST(LogsCliTest, BadInputExitsTwoWithACaret) {
  const std::string file = WriteLogs();
  RunResult r = Firewatch({"logs", "query", "-f", file, "fields a | filter strlenx(a)"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("query:1:19: unknown function \"strlenx\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n" + std::string(2 + 18, ' ') + "^"), std::string::npos) << r.err;
  r = Firewatch({"logs", "query", "-f", file, "--format", "xml", "fields a"});
  EXPECT_EQ(r.exit_code, 2);
  r = Firewatch({"logs", "query", "-f", file, "--since", "1h", "--start", "2026-01-01T00:00:00Z",
                 "fields a"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--since cannot be combined"), std::string::npos) << r.err;
  r = Firewatch({"logs", "query", "fields a"});
  EXPECT_EQ(r.exit_code, 2);
  r = Firewatch({"logs", "query", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--format"), std::string::npos);
}

TEST(LogsCliTest, ErrorsOfTheSimulatedOutage) {
  const std::string dir = MakeTempDir() + "/sim";
  RunResult r = Firewatch(
      {"sim", "run", "--scenario", "db-pool-exhaustion", "--duration", "20m", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Firewatch(
      {"logs", "query", "--file", dir + "/logs.ndjson", "--format", "json",
       "filter level = \"ERROR\" | stats count(*) as errors by route | sort errors desc"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j.empty()) << r.out;
  EXPECT_GT(j[0]["errors"].get<double>(), 0);
}

}  // namespace
}  // namespace fw::e2e
