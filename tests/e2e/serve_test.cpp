// `firewatch serve`: the Prometheus-compatible API over the durable store,
// driven as Prometheus (remote write) and Grafana (form POST queries) do.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "metrics/ingest/remote_write.h"
#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;
namespace ingest = fw::metrics::ingest;

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override { data_ = MakeTempDir() + "/data"; }

  std::unique_ptr<httplib::Client> Start() {
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--data", data_, "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=e2e"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    auto c = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(line.substr(prefix.size())));
    c->set_read_timeout(10, 0);
    return c;
  }

  static std::string Payload(int64_t first_t, int points) {
    std::vector<ingest::SeriesSamples> series;
    for (int i = 0; i < 3; ++i) {
      ingest::SeriesSamples s{
          LabelSet{{"__name__", "http_requests_total"}, {"instance", "i-" + std::to_string(i)}},
          {}};
      for (int p = 0; p < points; ++p) {
        s.samples.push_back({first_t + p * 15'000, static_cast<double>(p * 10 * (i + 1))});
      }
      series.push_back(std::move(s));
    }
    return ingest::EncodeRemoteWrite(series);
  }

  std::string data_;
  std::unique_ptr<Background> server_;
};

TEST_F(ServeTest, RemoteWriteThenQueryLikeGrafana) {
  auto c = Start();
  const httplib::Headers auth = {{"Authorization", "Bearer e2e"},
                                 {"Content-Encoding", "snappy"},
                                 {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  auto r = c->Post("/api/v1/write", Payload(1'768'485'600'000, 21), "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << "writes need a token";
  r = c->Post("/api/v1/write", auth, Payload(1'768'485'600'000, 21), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 204) << r->body;
  r = c->Post("/api/v1/write", auth, "garbage", "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  // Grafana posts queries as forms, without a token.
  r = c->Post("/api/v1/query",
              "query=sum(rate(http_requests_total%5B5m%5D))&time=2026-01-15T14:05:00Z",
              "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["data"]["resultType"], "vector");
  EXPECT_EQ(j["data"]["result"][0]["value"][0], 1768485900.0);
  EXPECT_NEAR(std::stod(j["data"]["result"][0]["value"][1].get<std::string>()), 4.0, 1e-9)
      << "(10 + 20 + 30) / 15 per second";

  r = c->Get(
      "/api/v1/query_range?query=http_requests_total%7Binstance%3D%22i-0%22%7D"
      "&start=1768485600&end=1768485900&step=60");
  ASSERT_TRUE(r);
  j = json::parse(r->body);
  EXPECT_EQ(j["data"]["resultType"], "matrix");
  EXPECT_EQ(j["data"]["result"][0]["values"].size(), 6u);

  r = c->Get("/api/v1/series?match[]=http_requests_total");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["data"].size(), 3u);
  r = c->Get("/api/v1/label/instance/values");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["data"], json::array({"i-0", "i-1", "i-2"}));

  // CloudWatch-style statistics over the same data: 5-minute periods.
  r = c->Get(
      "/api/v1/stats?metric=http_requests_total&match=instance%3Di-1"
      "&start=1768485600&end=1768486200&period=300&statistics=SampleCount,Maximum,p50");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  j = json::parse(r->body);
  ASSERT_EQ(j["data"]["datapoints"].size(), 2u) << r->body;
  EXPECT_EQ(j["data"]["datapoints"][0]["timestamp"], "2026-01-15T14:00:00.000Z");
  EXPECT_EQ(j["data"]["datapoints"][0]["SampleCount"], 20);
  EXPECT_EQ(j["data"]["datapoints"][0]["Maximum"], 380);
  r = c->Get("/api/v1/stats?metric=http_requests_total&statistics=Mode");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  r = c->Get("/api/v1/query?query=rate(x%5B5m");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  j = json::parse(r->body);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["errorType"], "bad_data");
  r = c->Get("/api/v1/query_range?query=up&start=0&end=100000&step=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "more than 11,000 points per series";
}

TEST_F(ServeTest, AcknowledgedWritesSurviveKill9) {
  auto c = Start();
  const httplib::Headers auth = {{"Authorization", "Bearer e2e"}};
  auto r = c->Post("/api/v1/write", auth, Payload(1'768'485'600'000, 40), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 204);
  server_->Kill();
  c = Start();
  r = c->Get(
      "/api/v1/query?query=count_over_time(http_requests_total%5B1h%5D)"
      "&time=2026-01-15T14:10:00Z");
  ASSERT_TRUE(r);
  json j = json::parse(r->body);
  ASSERT_EQ(j["data"]["result"].size(), 3u) << r->body;
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "40");
}

// The issue's example config, exactly as written: it validates, and a server
// started from it takes the token it names (and no generated one).
const char* kIssueExample =
    R"yaml(server: {listen: "127.0.0.1:9090", tokens: [{name: ops, token: "s3cret", role: admin}]}
storage: {dir: ./data}
scrape_configs:
  - job_name: shop
    scrape_interval: 1s
    static_configs: [{targets: ["127.0.0.1:8000"]}]
rule_files: ["rules/*.yml"]
route: {receiver: oncall, group_by: [alertname], group_wait: 0s, group_interval: 1m, repeat_interval: 4h}
receivers:
  - name: oncall
    webhook_configs: [{url: "http://127.0.0.1:9999/hook"}]
)yaml";

std::string WriteIssueExample() {
  const std::string dir = MakeTempDir();
  std::filesystem::create_directories(dir + "/rules");
  std::filesystem::copy_file(FW_SOURCE_DIR "/config/rules/golden-signals.yml",
                             dir + "/rules/golden-signals.yml");
  std::ofstream(dir + "/firewatch.yml") << kIssueExample;
  return dir;
}

TEST(ServeConfigTest, IssueExampleWorksAsWritten) {
  const std::string dir = WriteIssueExample();
  auto checked = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/firewatch.yml"});
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find(": ok ("), std::string::npos) << checked.out;

  // --port overrides server.listen's 9090 (taken on a shared machine).
  Background server({FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml", "--port", "0"},
                    {"FIREWATCH_TOKEN="});
  const std::string line = server.ReadLine();
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  httplib::Client c("127.0.0.1", std::stoi(line.substr(prefix.size())));
  const std::string silence = R"({"matchers": [{"name": "alertname", "value": "X"}],
      "endsAt": "2099-01-01T00:00:00Z", "comment": "e2e"})";
  auto r =
      c.Post("/api/v2/silences", {{"Authorization", "Bearer s3cret"}}, silence, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "ops is an admin: " << r->body;
  r = c.Post("/api/v2/silences", {{"Authorization", "Bearer wrong"}}, silence, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(std::filesystem::exists(dir + "/data")) << "storage.dir is relative to the file";
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(ServeConfigTest, ListenAddressAndTokensFromFileAndEnvironment) {
  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/viewer.token") << "look-only\n";
  std::ofstream(dir + "/firewatch.yml") << R"yaml(server:
  listen: "127.0.0.1:0"
  tokens:
    - {name: grafana, token_file: viewer.token, role: viewer}
    - {name: pager, token_env: FW_E2E_PAGER_TOKEN, role: responder}
storage: {dir: data}
)yaml";
  Background server({FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml"},
                    {"FIREWATCH_TOKEN=admin-e2e", "FW_E2E_PAGER_TOKEN=from-env"});
  const std::string line = server.ReadLine();
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  httplib::Client c("127.0.0.1", std::stoi(line.substr(prefix.size())));
  const std::string silence = R"({"matchers": [{"name": "alertname", "value": "X"}],
      "endsAt": "2099-01-01T00:00:00Z", "comment": "e2e"})";
  auto post = [&](const std::string& token) {
    auto r = c.Post("/api/v2/silences", {{"Authorization", "Bearer " + token}}, silence,
                    "application/json");
    return r ? r->status : -1;
  };
  EXPECT_EQ(post("look-only"), 403) << "a viewer cannot write (trailing newline dropped)";
  EXPECT_EQ(post("from-env"), 200) << "a responder can";
  EXPECT_EQ(post("admin-e2e"), 200) << "FIREWATCH_TOKEN still works";
  // A token with its newline is no token (the bare LF makes the header
  // itself malformed: 400 from the parser, or 401 if it got that far).
  const int with_newline = post("look-only\n");
  EXPECT_TRUE(with_newline == 400 || with_newline == 401) << with_newline;
}

TEST(ServeConfigTest, CheckConfigReportsEveryServerError) {
  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/firewatch.yml") << R"yaml(server:
  listen: "localhost"
  tokens:
    - {name: ops, token: "a", role: root}
    - {name: ops, token_file: missing.token, role: admin}
    - {name: ci, role: viewer}
runbooks: {dir: [a, b]}
incidents: {severity: {rules: [{match: {team: db}, severity: P9}], services: [{at_least: 0}]}}
)yaml";
  auto r = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/firewatch.yml"});
  EXPECT_EQ(r.exit_code, 2);
  const std::string f = dir + "/firewatch.yml:";
  for (const std::string& want :
       {f + "2:11: server.listen: expected host:port",
        f + "4:37: server.tokens[0].role: unknown role \"root\"",
        f + "5:14: server.tokens[1].name: \"ops\" is used twice",
        f + "5:31: server.tokens[1].token_file: cannot read missing.token",
        f + "6:7: server.tokens[2]: set exactly one of token, token_file or token_env",
        f + "7:17: runbooks.dir: expected a string",
        f + "8:62: incidents.severity.rules[0].severity:",
        f + "8:79: incidents.severity.services[0].at_least: required",
        f + "8:79: incidents.severity.services[0].severity: required"}) {
    EXPECT_NE(r.err.find(want), std::string::npos) << want << "\nin:\n" << r.err;
  }
}

// server.threads and max_connections size the HTTP server; out of range is
// an error with its place.
TEST(ServeConfigTest, ServerThreadsAndConnections) {
  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/ok.yml") << "server: {listen: \"127.0.0.1:0\", threads: 4, "
                                    "max_connections: 64}\n";
  std::ofstream(dir + "/bad.yml") << "server: {listen: \"127.0.0.1:0\", threads: 5000}\n";
  auto ok = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/ok.yml"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto bad = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/bad.yml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yml:1:42: server.threads: expected 1 to 1024"), std::string::npos)
      << bad.err;
  Background server({FIREWATCH_BIN, "serve", "--config", dir + "/ok.yml", "--data", dir + "/d"},
                    {"FIREWATCH_TOKEN=t"});
  const std::string line = server.ReadLine();
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  httplib::Client c("127.0.0.1", std::stoi(line.substr(30)));
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// Bad retention flags stop serve before anything is created in --data.
TEST(ServeConfigTest, BadLogRetentionFlagsCreateNothing) {
  const std::string data = MakeTempDir() + "/data";
  auto time = e2e::Run(
      {FIREWATCH_BIN, "serve", "--data", data, "--port", "0", "--logs.retention.time", "3x"});
  EXPECT_EQ(time.exit_code, 2);
  EXPECT_NE(time.err.find("--logs.retention.time: invalid duration \"3x\""), std::string::npos)
      << time.err;
  auto size = e2e::Run(
      {FIREWATCH_BIN, "serve", "--data", data, "--port", "0", "--logs.retention.size", "12QB"});
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_NE(size.err.find("--logs.retention.size: expected a size like 512MB"), std::string::npos)
      << size.err;
  EXPECT_FALSE(std::filesystem::exists(data));
}

}  // namespace
}  // namespace fw::e2e
