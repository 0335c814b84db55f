// Private reads against the real `firewatch serve` (issue #14, "Weak
// spots"): reads need a token when asked to (--web.require-read-token,
// server.require_read_token) and by default when listening beyond loopback;
// tokens with read scopes read only their areas (metrics, alerts, logs,
// incidents, reports); /healthz, /readyz and the status page stay public and
// the status page shows nothing internal; the CLI reads with its token.

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "serve_fixture.h"

namespace fw::e2e {
namespace {

using nlohmann::json;

// One read route per area: allowed means the answer is neither 401 nor 403
// (a report of an incident that does not exist is a 404 to a reader).
struct AreaRead {
  const char* scope;
  const char* method;
  const char* path;
  const char* body;
};
const AreaRead kReads[] = {
    {"read:metrics", "GET", "/api/v1/query?query=vector(1)", ""},
    {"read:metrics", "GET", "/metrics", ""},
    {"read:alerts", "GET", "/api/v1/rules", ""},
    {"read:alerts", "GET", "/api/v2/silences", ""},
    {"read:logs", "POST", "/api/v1/logs/queries",
     R"({"queryString":"fields @message","startTime":0,"endTime":1})"},
    {"read:logs", "GET", "/api/v1/logs/queries/nope", ""},
    {"read:incidents", "GET", "/api/v1/incidents", ""},
    {"read:incidents", "GET", "/api/v1/changes", ""},
    {"read:reports", "GET", "/api/v1/incidents/INC-404/report", ""},
};

const char* const kPublic[] = {"/healthz", "/readyz", "/api/v1/status"};

class ReadScopesTest : public ServeFixture {
 protected:
  // firewatch.yml with an admin, a viewer, one token per read scope and a
  // responder that reads only incidents.
  std::string WriteConfig(const std::string& extra_server_keys) {
    const std::string path = dir_ + "/firewatch.yml";
    std::ofstream(path) << "server:\n"
                        << extra_server_keys << "  tokens:\n"
                        << "    - {name: ops, token: adm, role: admin}\n"
                        << "    - {name: dash, token: view, role: viewer}\n"
                        << "    - {name: m, token: t-metrics, scopes: [read:metrics]}\n"
                        << "    - {name: a, token: t-alerts, scopes: [read:alerts]}\n"
                        << "    - {name: l, token: t-logs, scopes: [read:logs]}\n"
                        << "    - {name: i, token: t-incidents, scopes: [read:incidents]}\n"
                        << "    - {name: r, token: t-reports, scopes: [read:reports]}\n"
                        << "    - {name: pager, token: resp, role: responder, "
                           "scopes: [read:incidents]}\n";
    return path;
  }

  int Status(const AreaRead& read, const std::string& token) {
    auto c = Client();
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto r = std::string(read.method) == "POST"
                 ? c->Post(read.path, h, read.body, "application/json")
                 : c->Get(read.path, h);
    return r ? r->status : -1;
  }

  static bool Allowed(int status) { return status > 0 && status != 401 && status != 403; }

  void ExpectPublicViews() {
    for (const char* path : kPublic) {
      auto r = Client()->Get(path);
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->status, 200) << path;
      auto wrong = Client()->Get(path, {{"Authorization", "Bearer wrong"}});
      ASSERT_TRUE(wrong) << path;
      EXPECT_EQ(wrong->status, 200) << path << " with a wrong token";
    }
  }
};

TEST_F(ReadScopesTest, RequiredReadTokensAndScopesPerArea) {
  ASSERT_TRUE(StartServe({"--config", WriteConfig("  require_read_token: true\n")}));
  int cases = 0;
  for (const AreaRead& read : kReads) {
    SCOPED_TRACE(std::string(read.method) + " " + read.path);
    EXPECT_EQ(Status(read, ""), 401) << "anonymous";
    EXPECT_EQ(Status(read, "wrong"), 401) << "wrong token";
    EXPECT_TRUE(Allowed(Status(read, "adm"))) << "admin";
    EXPECT_TRUE(Allowed(Status(read, "view"))) << "viewer";
    const std::map<std::string, std::string> scoped = {{"read:metrics", "t-metrics"},
                                                       {"read:alerts", "t-alerts"},
                                                       {"read:logs", "t-logs"},
                                                       {"read:incidents", "t-incidents"},
                                                       {"read:reports", "t-reports"}};
    for (const auto& [scope, token] : scoped) {
      const int status = Status(read, token);
      if (scope == read.scope) {
        EXPECT_TRUE(Allowed(status)) << token << " got " << status;
      } else {
        EXPECT_EQ(status, 403) << token;
      }
      ++cases;
    }
    EXPECT_EQ(Allowed(Status(read, "resp")), std::string(read.scope) == "read:incidents");
    cases += 5;
  }
  // The refusal names the scope needed.
  auto r = Client()->Get("/api/v1/incidents", {{"Authorization", "Bearer t-metrics"}});
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("needs read:incidents"), std::string::npos) << r->body;
  // An unknown path does not reveal the route table to an anonymous caller.
  auto nope = Client()->Get("/api/v1/nope");
  ASSERT_TRUE(nope);
  EXPECT_EQ(nope->status, 401);
  // Scopes narrow reads only: the responder still writes.
  auto declared =
      Client()->Post("/api/v1/incidents", {{"Authorization", "Bearer resp"}},
                     R"({"title":"Checkout is down","severity":"P1"})", "application/json");
  ASSERT_TRUE(declared);
  EXPECT_EQ(declared->status, 200) << declared->body;
  // ... and a scoped viewer cannot write anywhere.
  auto denied = Client()->Post("/api/v1/incidents", {{"Authorization", "Bearer t-incidents"}},
                               R"({"title":"x"})", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  ExpectPublicViews();
  std::printf("[ read scopes ] %d scoped cases over %zu routes in 5 areas\n", cases,
              std::size(kReads));
}

TEST_F(ReadScopesTest, StatusPageShowsOpenIncidentsAndNothingInternal) {
  ASSERT_TRUE(StartServe({"--web.require-read-token", "true"}));
  auto declared =
      Client()->Post("/api/v1/incidents", {{"Authorization", "Bearer hard"}},
                     R"({"title":"Checkout is down","severity":"P1","services":["checkout"]})",
                     "application/json");
  ASSERT_TRUE(declared);
  ASSERT_EQ(declared->status, 200) << declared->body;
  auto r = Client()->Get("/api/v1/status");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  const json& incidents = body["data"]["incidents"];
  ASSERT_EQ(incidents.size(), 1u) << r->body;
  EXPECT_EQ(incidents[0],
            (json{{"title", "Checkout is down"}, {"severity", "P1"}, {"state", "triggered"}}));
  EXPECT_FALSE(body["data"]["operational"].get<bool>());
  EXPECT_EQ(r->body.find("INC-"), std::string::npos) << "no ids on the public page";
  EXPECT_EQ(r->body.find("checkout\""), std::string::npos) << "no services";
}

TEST_F(ReadScopesTest, ReadsNeedATokenByDefaultBeyondLoopback) {
  ASSERT_TRUE(StartServe({"--bind", "0.0.0.0"}));
  EXPECT_EQ(Status(kReads[0], ""), 401);
  EXPECT_EQ(Status(kReads[6], ""), 401);
  EXPECT_EQ(Status(kReads[6], "hard"), 200);
  ExpectPublicViews();
}

TEST_F(ReadScopesTest, ConfigCanOpenReadsBeyondLoopbackAndLoopbackIsOpenByDefault) {
  ASSERT_TRUE(
      StartServe({"--bind", "0.0.0.0", "--config", WriteConfig("  require_read_token: false\n")}));
  EXPECT_EQ(Status(kReads[6], ""), 200);
  // A scoped token is still held to its scopes where anonymous reads work.
  EXPECT_EQ(Status(kReads[6], "t-metrics"), 403);
  server_.reset();
  ASSERT_TRUE(StartServe());
  EXPECT_EQ(Status(kReads[6], ""), 200);
  EXPECT_EQ(Status(kReads[0], ""), 200);
}

TEST_F(ReadScopesTest, CliReadsWithItsToken) {
  ASSERT_TRUE(StartServe({"--web.require-read-token", "true"}));
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  RunResult with =
      fw::e2e::Run({FIREWATCH_BIN, "incident", "list", "--server", url}, {"FIREWATCH_TOKEN=hard"});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  RunResult scoped =
      fw::e2e::Run({FIREWATCH_BIN, "incident", "list", "--server", url, "--token", "nope"});
  EXPECT_NE(scoped.exit_code, 0);
  EXPECT_NE(scoped.err.find("401"), std::string::npos) << scoped.err;
  RunResult alerts =
      fw::e2e::Run({FIREWATCH_BIN, "alerts", "--server", url, "list"}, {"FIREWATCH_TOKEN=hard"});
  EXPECT_EQ(alerts.exit_code, 0) << alerts.err;
}

TEST_F(ReadScopesTest, BadScopesAreConfigErrors) {
  const std::string path = dir_ + "/bad.yml";
  std::ofstream(path) << "server:\n  tokens:\n"
                      << "    - {name: x, token: s, scopes: [read:everything]}\n"
                      << "    - {name: y, token: t, scopes: []}\n";
  RunResult r = fw::e2e::Run({FIREWATCH_BIN, "check", "config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yml:3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown scope \"read:everything\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fw::e2e
