// The responder in `firewatch serve`, end to end on two real processes:
// `firewatch sim serve` is the production (accelerated), and `firewatch
// serve` runs the shipped config/firewatch.yml against it: scraping its
// targets, following its application log file, taking its deploy events
// on POST /api/v1/changes, with the shipped rules and runbooks. The only
// edits to the shipped file are the ports and paths a test must own (and
// two tokens with roles). Checked: the headline outage becomes exactly one
// incident; the analysis on its timeline names the leaking release; the
// runbook is proposed and waits; a viewer's approval is refused and a
// responder's accepted; the rollback goes through the simulator's action
// API; recovery is verified with PromQL on the server's own store; the
// incident is resolved; the report lists every step and an impact window
// that starts before the incident opened. Synchronisation polls with
// deadlines.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kAdmin[] = "e2e-admin";
constexpr char kResponder[] = "e2e-responder";
constexpr char kViewer[] = "e2e-viewer";
constexpr char kSpeed[] = "40";  // simulated seconds per real second, both clocks
constexpr char kScenarioStart[] = "2026-01-15T14:00:00Z";

// A port nobody listens on now (the kernel's choice); the sim needs the
// server's port before the server starts, to post its changes there.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return 0;
  }
  const int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "the shipped config no longer has: " << from;
  text.replace(at, from.size(), to);
}

int PortOf(Background& p) {
  const std::string line = p.ReadLine();
  const std::string prefix = "listening on http://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) return 0;
  return std::stoi(line.substr(prefix.size()));
}

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    const int serve_port = serve_port_ = FreePort();
    ASSERT_GT(serve_port, 0);
    const std::vector<std::string> env = {std::string("FIREWATCH_TOKEN=") + kAdmin};
    sim_ = std::make_unique<Background>(
        std::vector<std::string>{
            FIREWATCH_BIN, "sim", "serve", "--scenario", "db-pool-exhaustion", "--speed", kSpeed,
            "--port", "0", "--log-file", dir_ + "/sim/app.ndjson", "--change-webhook",
            "http://127.0.0.1:" + std::to_string(serve_port) + "/api/v1/changes"},
        env);
    const int sim_port = PortOf(*sim_);
    ASSERT_GT(sim_port, 0);
    // The shipped config, with this test's ports, paths and tokens.
    std::string config = ReadFile(std::string(FW_SOURCE_DIR) + "/config/firewatch.yml");
    const std::string shipped = std::string(FW_SOURCE_DIR) + "/config/";
    Replace(config, "listen: \"127.0.0.1:9400\"",
            "listen: \"127.0.0.1:" + std::to_string(serve_port) +
                "\"\n  tokens:\n    - {name: oncall, token: " + kResponder +
                ", role: responder}\n    - {name: dashboard, token: " + kViewer +
                ", role: viewer}");
    Replace(config, "rule_files: [\"rules/*.yml\"]",
            "rule_files: [\"" + shipped + "rules/*.yml\"]");
    Replace(config, "dir: runbooks ", "dir: " + shipped + "runbooks ");
    Replace(config, "dir: ../data ", "dir: " + dir_ + "/data ");
    Replace(config, "path: ../data/sim/*.ndjson", "path: " + dir_ + "/sim/*.ndjson");
    for (size_t at; (at = config.find("127.0.0.1:9500")) != std::string::npos;) {
      config.replace(at, 14, "127.0.0.1:" + std::to_string(sim_port));
    }
    for (size_t at; (at = config.find("127.0.0.1:9400")) != std::string::npos;) {
      config.replace(at, 14, "127.0.0.1:" + std::to_string(serve_port));
    }
    std::ofstream(dir_ + "/firewatch.yml") << config;
    serve_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--config", dir_ + "/firewatch.yml",
                                 "--clock.speed", kSpeed, "--clock.start", kScenarioStart},
        env);
    ASSERT_EQ(PortOf(*serve_), serve_port);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", serve_port);
    client_->set_read_timeout(20, 0);
  }

  json Get(const std::string& path) {
    auto r = client_->Get(path.c_str());
    if (!r || r->status != 200) return json();
    return json::parse(r->body, nullptr, false);
  }
  int Post(const std::string& path, const std::string& token, std::string* body = nullptr) {
    httplib::Headers h = {{"Authorization", "Bearer " + token}};
    auto r = client_->Post(path.c_str(), h, "{}", "application/json");
    if (!r) return 0;
    if (body) *body = r->body;
    return r->status;
  }
  std::vector<json> Incidents() {
    const json list = Get("/api/v1/incidents");
    std::vector<json> out;
    if (list.is_object() && list.contains("incidents")) {
      for (const json& i : list["incidents"]) out.push_back(i);
    }
    return out;
  }
  std::string TimelineText(const std::string& id) {
    const json inc = Get("/api/v1/incidents/" + id);
    std::string text;
    if (!inc.is_object() || !inc.contains("data")) return text;
    for (const json& e : inc["data"]["timeline"]) text += e.value("text", "") + "\n";
    return text;
  }

  std::string dir_;
  int serve_port_ = 0;
  std::unique_ptr<Background> sim_, serve_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ResponderTest, HeadlineOutageIsOneIncidentApprovedRolledBackVerifiedAndReported) {
  // The responder analyses the new incident and proposes the runbook, which
  // waits for a human's approval.
  json response;
  ASSERT_TRUE(PollUntil(
      [&] {
        response = Get("/api/v1/incidents/INC-1/response");
        return response.is_object() && !response["data"]["waiting_for"].empty();
      },
      milliseconds(150'000)))
      << "no approval asked for; incidents: " << Get("/api/v1/incidents").dump();
  const json& r = response["data"];
  EXPECT_EQ(r["runbook"], "db_pool_exhaustion");
  ASSERT_FALSE(r["hypotheses"].empty());
  EXPECT_EQ(r["hypotheses"][0]["category"], "db_pool_exhaustion");
  EXPECT_EQ(r["hypotheses"][0]["suspect_version"], "v2.5.0") << "the leaking release, blamed";
  EXPECT_NE(TimelineText("INC-1").find("root-cause analysis: db_pool_exhaustion"),
            std::string::npos);

  // Approvals: a viewer is refused (API), a responder is heard (CLI).
  EXPECT_EQ(Post("/api/v1/incidents/INC-1/approve", kViewer), 403);
  const RunResult approved =
      e2e::Run({FIREWATCH_BIN, "incident", "approve", "INC-1", "--server",
                "http://127.0.0.1:" + std::to_string(serve_port_), "--token", kResponder});
  EXPECT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("approved \"approval to run db_pool_exhaustion\" of INC-1"),
            std::string::npos)
      << approved.out;
  EXPECT_EQ(Post("/api/v1/incidents/INC-1/approve", kResponder), 404) << "nothing waits any more";

  // The rollback, the verification on the server's store, the resolution.
  json inc;
  ASSERT_TRUE(PollUntil(
      [&] {
        for (const json& i : Incidents()) {
          if (i["id"] == "INC-1") inc = i;
        }
        return inc.is_object() && inc.value("status", "") == "resolved";
      },
      milliseconds(120'000)))
      << TimelineText("INC-1");
  EXPECT_EQ(Incidents().size(), 1u)
      << "one outage, one incident: " << Get("/api/v1/incidents").dump();
  const std::string timeline = TimelineText("INC-1");
  EXPECT_NE(timeline.find("approved \"approval to run db_pool_exhaustion\" (oncall)"),
            std::string::npos)
      << timeline;
  EXPECT_NE(timeline.find("roll back the suspect release: succeeded"), std::string::npos)
      << timeline;
  EXPECT_NE(timeline.find("error rate below 1% for 2 minutes: succeeded"), std::string::npos);
  EXPECT_NE(timeline.find("runbook db_pool_exhaustion succeeded"), std::string::npos);

  // The simulator was rolled back through its own action API.
  const json changes = Get("/api/v1/changes");
  bool rolled_back = false;
  for (const json& c : changes["data"]) {
    if (c.value("type", "") == "deployment" && c.value("version", "") == "v2.4.0") {
      rolled_back = true;
    }
  }
  EXPECT_TRUE(rolled_back) << "the rollback's deploy event came back from the simulator";

  // The report: every step, and impact from before the incident opened.
  auto rep = client_->Get("/api/v1/incidents/INC-1/report?format=json");
  ASSERT_TRUE(rep);
  ASSERT_EQ(rep->status, 200) << rep->body;
  const json report = json::parse(rep->body);
  const std::string md = client_->Get("/api/v1/incidents/INC-1/report")->body;
  for (const char* step : {"roll back the suspect release", "database sessions",
                           "no request waits for a connection", "error rate below 1%"}) {
    EXPECT_NE(md.find(step), std::string::npos) << step << " missing from the report:\n" << md;
  }
  EXPECT_NE(md.find("deployment of shop v2.5.0"), std::string::npos) << "the change event";
  // The CLI gets the server's assembly, and can store the proposed action items.
  const RunResult cli = e2e::Run({FIREWATCH_BIN, "report", "--incident", "INC-1", "--server",
                                  "http://127.0.0.1:" + std::to_string(serve_port_), "--token",
                                  kResponder, "--save-action-items"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("roll back the suspect release"), std::string::npos) << cli.out;
  const json items = Get("/api/v1/incidents/INC-1/action_items");
  EXPECT_FALSE(items.dump().find("AI-1") == std::string::npos) << items.dump();
  const std::string opened = inc.value("created_at", "");
  const std::string began = report["summary"].value("start", "");
  ASSERT_FALSE(began.empty()) << report["summary"].dump();
  ASSERT_FALSE(opened.empty()) << inc.dump();
  EXPECT_LT(began, opened) << "impact starts at the first sign of the problem, not at the page";
}

// Reload as Prometheus has it: SIGHUP and POST /-/reload re-read the rules
// and runbooks; a bad file is reported and the running config kept.
TEST(ReloadTest, SighupAndReloadEndpointKeepTheRunningConfigOnABadFile) {
  const std::string dir = MakeTempDir();
  const std::string rules = dir + "/rules.yml";
  auto write_rules = [&](const std::string& group, const std::string& expr) {
    std::ofstream(rules) << "groups:\n  - name: " << group
                         << "\n    rules:\n      - alert: A\n        expr: " << expr << "\n";
  };
  write_rules("first", "vector(1) > 0");
  std::ofstream(dir + "/firewatch.yml") << "rule_files: [rules.yml]\nstorage: {dir: data}\n";
  Background serve({FIREWATCH_BIN, "serve", "--config", dir + "/firewatch.yml", "--port", "0"},
                   {std::string("FIREWATCH_TOKEN=") + kAdmin});
  const int port = PortOf(serve);
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + kAdmin}};
  auto rule_names = [&] {
    auto r = c.Get("/api/v1/rules");
    return r ? r->body : std::string();
  };
  ASSERT_NE(rule_names().find("\"first\""), std::string::npos) << rule_names();

  write_rules("second", "vector(1) >");  // a syntax error
  auto r = c.Post("/-/reload", admin, "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("rules.yml"), std::string::npos)
      << "the error names the file: " << r->body;
  EXPECT_NE(rule_names().find("\"first\""), std::string::npos) << "the running rules stay";

  serve.Signal(SIGHUP);  // also bad: logged, and the server keeps serving
  EXPECT_TRUE(PollUntil([&] { return c.Get("/healthz") != nullptr; }));

  write_rules("second", "vector(2) > 0");
  serve.Signal(SIGHUP);
  EXPECT_TRUE(PollUntil([&] { return rule_names().find("\"second\"") != std::string::npos; }))
      << rule_names();
  r = c.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << "reloading needs an admin token";
}

// The site's actions are checked against the runbooks before anything
// runs, and the response policy's keys are validated with file:line.
TEST(ResponseConfigTest, CheckConfigNamesAMissingActionAndABadPolicy) {
  const std::string dir = MakeTempDir();
  const std::string shipped = std::string(FW_SOURCE_DIR) + "/config/runbooks";
  std::ofstream(dir + "/missing.yml") << "runbooks: {dir: " << shipped << "}\n"
                                      << "actions:\n  rollback:\n    exec: {argv: [true]}\n";
  RunResult r = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/missing.yml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("which firewatch.yml does not define"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".yml:"), std::string::npos) << "names the runbook file: " << r.err;

  std::ofstream(dir + "/policy.yml") << "response:\n  approval: sometimes\n";
  r = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/policy.yml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("policy.yml:2:13: response.approval: expected auto"), std::string::npos)
      << r.err;

  std::ofstream(dir + "/off.yml") << "runbooks: {dir: " << shipped << "}\n"
                                  << "response: {enabled: false}\n";
  r = e2e::Run({FIREWATCH_BIN, "check", "config", dir + "/off.yml"});
  EXPECT_EQ(r.exit_code, 0) << "no responder, no actions needed: " << r.err;
}

}  // namespace
}  // namespace fw::e2e
