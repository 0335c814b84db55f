// The log store as users drive it: `logs import` / `logs ingest` then
// `logs query --data`, and `serve`'s push and query endpoints, including a
// kill -9 after acknowledged pushes.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

class LogsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { tmp_ = MakeTempDir(); }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(tmp_, ec);
  }

  static RunResult Firewatch(std::vector<std::string> args) {
    args.insert(args.begin(), FIREWATCH_BIN);
    return fw::e2e::Run(args);
  }

  std::unique_ptr<httplib::Client> Serve() {
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--data", tmp_ + "/data", "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=e2e"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    auto c = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(line.substr(prefix.size())));
    c->set_read_timeout(10, 0);
    return c;
  }

  // Starts a query and polls it to the end (a handful of polls at most: the
  // stores here are small).
  static json Query(httplib::Client& c, const json& start) {
    auto r = c.Post("/api/v1/logs/queries", start.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    if (!r || r->status != 200) return json();
    const std::string id = json::parse(r->body)["queryId"];
    for (int i = 0; i < 200; ++i) {
      auto p = c.Get("/api/v1/logs/queries/" + id);
      if (!p) break;
      json j = json::parse(p->body);
      if (j["status"] != "Running") return j;
      usleep(10'000);  // polling a real server, not synchronising our own code
    }
    ADD_FAILURE() << "query did not finish";
    return json();
  }

  std::string tmp_;
  std::unique_ptr<Background> server_;
};

TEST_F(LogsStoreTest, QueryOverTheStoreEqualsQueryOverTheFile) {
  const std::string sim = tmp_ + "/sim", data = tmp_ + "/data";
  RunResult r = Firewatch(
      {"sim", "run", "--scenario", "db-pool-exhaustion", "--duration", "30m", "--out", sim});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string file = sim + "/logs.ndjson";
  r = Firewatch({"logs", "import", file, "--data", data});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" events"), std::string::npos) << r.out;
  for (const std::string q :
       {"filter level = \"ERROR\" | stats count(*) as errors by route, bin(1m)",
        "stats pct(latency_ms, 99) as p99, count(*) by route, @log, @logStream",
        "filter status >= 500 | fields @timestamp, instance, @message | limit 50"}) {
    RunResult over_file = Firewatch({"logs", "query", "-f", file, "--format", "json", q});
    RunResult over_store = Firewatch({"logs", "query", "--data", data, "--format", "json", q});
    ASSERT_EQ(over_file.exit_code, 0) << over_file.err;
    ASSERT_EQ(over_store.exit_code, 0) << over_store.err;
    EXPECT_EQ(over_store.out, over_file.out) << q;
    EXPECT_GT(over_file.out.size(), 10u) << q;
  }
  // The first minute lies in the first block; the others are not read.
  r = Firewatch({"logs", "query", "--data", data, "--stats", "--start", "2026-01-15T14:00:00Z",
                 "--end", "2026-01-15T14:01:00Z", "stats count(*)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int read = 0, total = 0;
  const size_t at = r.err.find("blocks read ");
  ASSERT_NE(at, std::string::npos) << r.err;
  ASSERT_EQ(std::sscanf(r.err.c_str() + at, "blocks read %d of %d", &read, &total), 2) << r.err;
  EXPECT_EQ(read, 1) << r.err;
  EXPECT_GE(total, 3) << r.err;
}

TEST_F(LogsStoreTest, ImportsPlainTextAndStdinKeepingBadLines) {
  const std::string data = tmp_ + "/data", text = tmp_ + "/app.log";
  std::ofstream(text) << "2026-01-15T14:00:00Z ERROR pool exhausted\n"
                      << "  at Pool.acquire\n"
                      << "{\"broken\": json\n";
  RunResult r = Firewatch({"logs", "import", text, "--data", data, "--group", "app"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 events, 1 malformed kept as text"), std::string::npos) << r.out;
  r = fw::e2e::Run({"/bin/sh", "-c",
                    "printf '{\"@timestamp\":\"2026-01-15T14:00:05Z\",\"level\":\"ERROR\"}\\n' | " +
                        std::string(FIREWATCH_BIN) + " logs ingest --data " + data +
                        " --group app"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Firewatch({"logs", "query", "--data", data, "--group", "app", "--format", "csv",
                 "fields @timestamp, @logStream, @message | sort @timestamp, @message"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "@timestamp,@logStream,@message\r\n"
            "2026-01-15 14:00:00.000,app.log,  at Pool.acquire\r\n"
            "2026-01-15 14:00:00.000,app.log,2026-01-15T14:00:00Z ERROR pool exhausted\r\n"
            "2026-01-15 14:00:00.000,app.log,\"{\"\"broken\"\": json\"\r\n"
            "2026-01-15 "
            "14:00:05.000,stdin,\"{\"\"@timestamp\"\":\"\"2026-01-15T14:00:05Z\"\",\"\"level\"\":"
            "\"\"ERROR\"\"}\"\r\n");
  r = Firewatch({"logs", "query", "--data", tmp_ + "/nothing", "stats count(*)"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no log store at"), std::string::npos) << r.err;
}

TEST_F(LogsStoreTest, PushNeedsAResponderAndSurvivesKill9) {
  auto c = Serve();
  const std::string body =
      "{\"@timestamp\":\"2026-01-15T14:00:00Z\",\"level\":\"ERROR\",\"route\":\"/pay\"}\n"
      "{\"timestamp\":1768485601000,\"level\":\"INFO\",\"route\":\"/\"}\n"
      "not json at all\n";
  auto r = c->Post("/api/v1/logs/push?group=shop&stream=web-1", body, "application/x-ndjson");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << "pushing needs a token";
  const httplib::Headers auth = {{"Authorization", "Bearer e2e"}};
  r = c->Post("/api/v1/logs/push?group=shop&stream=web-1", auth, body, "application/x-ndjson");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body), json({{"accepted", 3}, {"malformed", 1}, {"oversized", 0}}));
  r = c->Post("/api/v1/logs/push?group=db&stream=pg", auth,
              "2026-01-15T14:00:02Z FATAL too many connections\n", "text/plain");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["malformed"], 0);

  server_->Kill();
  c = Serve();
  json j = Query(*c, {{"queryString", "stats count(*) as n by @log | sort @log"},
                      {"startTime", 1768485600},
                      {"endTime", 1768485700}});
  ASSERT_EQ(j["status"], "Complete") << j.dump();
  EXPECT_EQ(j["results"], json::parse(R"([[{"field":"@log","value":"db"},{"field":"n","value":"1"}],
                            [{"field":"@log","value":"shop"},{"field":"n","value":"3"}]])"))
      << "the plain-text line has no time of its own: it took the previous one";
  EXPECT_EQ(j["statistics"]["recordsScanned"], 4);
  j = Query(*c, {{"queryString", "filter level = \"ERROR\" | fields route"},
                 {"logGroupNames", {"shop"}}});
  ASSERT_EQ(j["status"], "Complete") << j.dump();
  EXPECT_EQ(j["results"], json::parse(R"([[{"field":"route","value":"/pay"}]])"));
  auto bad = c->Post("/api/v1/logs/queries", R"({"queryString":"fields | |"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto missing = c->Get("/api/v1/logs/queries/999");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace fw::e2e
