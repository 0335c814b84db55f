// The web console's server side on a real server: assets (types, ETag, 304,
// gzip, CSP), sign-in and the session cookie, CSRF on writes, roles through a
// session, sign-out, the status page's JSON (public updates only), and
// malformed input answered, never crashing.

#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "incident/api.h"
#include "incident/sqlite_store.h"
#include "temp_dir.h"
#include "web/console.h"
#include "web/status_page.h"

namespace fw::web {
namespace {

using nlohmann::json;

class WebConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = incident::SqliteStore::Open(dir_.File("i.db"));
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    svc_ = std::make_unique<incident::IncidentService>(*store_, clock_);
    auto inc = svc_->Declare({"checkout is failing", {"checkout"}, incident::Severity::kP1, ""},
                             {"ann", "cli"});
    ASSERT_TRUE(inc);
    id_ = inc->id;
    ASSERT_TRUE(svc_->AddNote(id_, "internal: pool leak suspected", {"ann", "cli"}));
    ASSERT_TRUE(svc_->PostStatusUpdate(id_, "Checkout is failing; we are on it.", {"ann", "cli"}));
    server::ServerOptions opts;
    opts.allow_anonymous_read = false;
    opts.tokens.push_back({"resp", server::Role::kResponder, "ops"});
    opts.tokens.push_back({"view", server::Role::kViewer, "watcher"});
    http_ = std::make_unique<server::HttpServer>(opts, clock_);
    incident::RegisterIncidentApi(*http_, *svc_, clock_);
    ConsoleOptions console;
    console.public_status = true;
    sessions_ = RegisterWebConsole(*http_, *svc_, clock_, console);
    auto port = http_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
  }
  void TearDown() override { http_.reset(); }

  httplib::Client Client() { return httplib::Client("127.0.0.1", port_); }
  // Signs in; returns {cookie header value, csrf token}.
  std::pair<std::string, std::string> SignIn(const std::string& token) {
    auto r = Client().Post("/ui/login", json{{"token", token}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return {};
    const std::string set = r->get_header_value("Set-Cookie");
    EXPECT_NE(set.find("HttpOnly"), std::string::npos) << set;
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos) << set;
    return {set.substr(0, set.find(';')), json::parse(r->body)["data"]["csrf"]};
  }
  httplib::Result PostNote(const std::string& cookie, const std::string& csrf) {
    httplib::Headers h = {{"Cookie", cookie}};
    if (!csrf.empty()) h.emplace("X-CSRF-Token", csrf);
    return Client().Post("/api/v1/incidents/" + id_ + "/notes", h, R"({"text":"from the web"})",
                         "application/json");
  }

  incident::TempDir dir_;
  ManualClock clock_{1'768'487'100'000};
  std::unique_ptr<incident::SqliteStore> store_;
  std::unique_ptr<incident::IncidentService> svc_;
  std::unique_ptr<server::HttpServer> http_;
  std::shared_ptr<SessionStore> sessions_;
  std::string id_;
  int port_ = 0;
};

TEST_F(WebConsoleTest, ServesCompiledAssetsWithTypesEtagsGzipAndCsp) {
  auto c = Client();
  auto page = c.Get("/ui/incidents/INC-1");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(page->body.find("<script>"), std::string::npos) << "no inline script";

  auto js = c.Get("/ui/assets/uplot.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("uPlot"), std::string::npos);
  const std::string etag = js->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = c.Get("/ui/assets/uplot.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  auto gz = c.Get("/ui/assets/console.js", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(c.Get("/ui/assets/nope.js")->status, 404);
  EXPECT_EQ(c.Get("/ui/assets/..%2Fconsole.cpp")->status, 404);
  auto root = c.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/ui/incidents");
}

TEST_F(WebConsoleTest, SessionActsWithTheTokensRoleAndWritesNeedCsrf) {
  auto bad = Client().Post("/ui/login", R"({"token":"wrong"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(Client().Post("/ui/login", "not json", "application/json")->status, 400);

  auto [cookie, csrf] = SignIn("resp");
  ASSERT_FALSE(cookie.empty());
  auto read = Client().Get("/api/v1/incidents", {{"Cookie", cookie}});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200) << "reads need a token here; the session is one";
  EXPECT_EQ(Client().Get("/api/v1/incidents")->status, 401);

  EXPECT_EQ(PostNote(cookie, "")->status, 403) << "no CSRF token";
  EXPECT_EQ(PostNote(cookie, csrf + "x")->status, 403) << "a wrong CSRF token";
  auto ok = PostNote(cookie, csrf);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;

  auto [vcookie, vcsrf] = SignIn("view");
  auto refused = PostNote(vcookie, vcsrf);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << "a viewer's session writes nothing";
  EXPECT_EQ(PostNote("fw_session=forged", "x")->status, 401) << "an unknown session is anonymous";

  auto who = Client().Get("/ui/session", {{"Cookie", vcookie}});
  ASSERT_TRUE(who);
  EXPECT_EQ(json::parse(who->body)["data"]["role"], "viewer");
  // Signing out ends the session: its cookie reads nothing any more.
  auto out = Client().Post("/ui/logout", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, "",
                           "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_EQ(Client().Get("/api/v1/incidents", {{"Cookie", cookie}})->status, 401);
}

TEST_F(WebConsoleTest, BearerTokenWinsOverCookieAndPublicRoutesIgnoreCsrf) {
  auto [cookie, csrf] = SignIn("resp");
  // A bearer token is judged alone: a viewer token with a responder's cookie
  // (and no CSRF token) is a viewer.
  auto r = Client().Post("/api/v1/incidents/" + id_ + "/notes",
                         {{"Authorization", "Bearer view"}, {"Cookie", cookie}}, R"({"text":"x"})",
                         "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto wrong =
      Client().Get("/api/v1/incidents", {{"Authorization", "Bearer nope"}, {"Cookie", cookie}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401) << "a wrong token is never replaced by the cookie";
  // A public write (sign-in) with a session cookie but no CSRF token works:
  // the session only makes the caller anonymous there.
  auto again =
      Client().Post("/ui/login", {{"Cookie", cookie}}, R"({"token":"view"})", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  // Logging out without the CSRF token leaves the session alone.
  ASSERT_TRUE(Client().Post("/ui/logout", {{"Cookie", cookie}}, "", "application/json"));
  EXPECT_EQ(Client().Get("/api/v1/incidents", {{"Cookie", cookie}})->status, 200);
}

TEST_F(WebConsoleTest, SignInOnlyFromThisSite) {
  auto form = Client().Post("/ui/login", R"({"token":"resp"})", "text/plain");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 403) << "a cross-site form can send text/plain, not JSON";
  auto other = Client().Post("/ui/login", {{"Origin", "https://evil.example"}},
                             R"({"token":"resp"})", "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  const std::string self = "http://127.0.0.1:" + std::to_string(port_);
  auto ok =
      Client().Post("/ui/login", {{"Origin", self}}, R"({"token":"resp"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(WebConsoleTest, GuessingTokensIsLimitedPerAddress) {
  for (int i = 0; i < 10; ++i) {
    auto r = Client().Post("/ui/login", R"({"token":"guess"})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
  }
  auto r = Client().Post("/ui/login", R"({"token":"resp"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << "even a right token waits once the address is over its limit";
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(Client().Post("/ui/login", R"({"token":"resp"})", "application/json")->status, 200);
}

TEST_F(WebConsoleTest, SessionsExpireOnTheClock) {
  auto [cookie, csrf] = SignIn("resp");
  EXPECT_EQ(Client().Get("/api/v1/incidents", {{"Cookie", cookie}})->status, 200);
  clock_.Advance(std::chrono::hours(13));
  EXPECT_EQ(Client().Get("/api/v1/incidents", {{"Cookie", cookie}})->status, 401);
  EXPECT_EQ(sessions_->size(), 0u);
}

TEST_F(WebConsoleTest, StatusPageShowsPublicUpdatesOnly) {
  auto r = Client().Get("/api/v1/status/page");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << "public by configuration";
  const json d = json::parse(r->body)["data"];
  EXPECT_EQ(d["overall"], "major_outage");
  EXPECT_EQ(d["components"][0]["name"], "checkout");
  EXPECT_EQ(d["components"][0]["state"], "major_outage");
  ASSERT_EQ(d["incidents"].size(), 1u);
  EXPECT_EQ(d["incidents"][0]["updates"][0]["text"], "Checkout is failing; we are on it.");
  EXPECT_EQ(r->body.find("internal: pool leak"), std::string::npos) << "notes stay inside";
  EXPECT_EQ(r->body.find(id_), std::string::npos) << "no incident ids";
  ASSERT_TRUE(svc_->Resolve(id_, {"ann", "cli"}));
  const json after = json::parse(Client().Get("/api/v1/status/page")->body)["data"];
  EXPECT_EQ(after["overall"], "operational");
  EXPECT_EQ(after["history"].size(), 1u);
  auto listed = StatusPageJson(*svc_, clock_.Now(), {"payments"});
  ASSERT_TRUE(listed);
  const json with = json::parse(*listed)["data"]["components"];
  ASSERT_EQ(with.size(), 2u) << with.dump();
  EXPECT_EQ(with[1]["name"], "payments");
  EXPECT_EQ(with[1]["state"], "operational");
  auto page = Client().Get("/status");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
}

TEST_F(WebConsoleTest, StatusPageIsPrivateUnlessConfiguredPublic) {
  server::ServerOptions opts;
  opts.allow_anonymous_read = false;
  opts.tokens.push_back({"view", server::Role::kViewer, "watcher"});
  server::HttpServer http(opts, clock_);
  RegisterWebConsole(http, *svc_, clock_);  // public_status off
  auto port = http.Start();
  ASSERT_TRUE(port) << port.error().ToString();
  httplib::Client c("127.0.0.1", *port);
  EXPECT_EQ(c.Get("/api/v1/status/page")->status, 401);
  EXPECT_EQ(c.Get("/status")->status, 200) << "the page itself holds no data";
  c.set_bearer_token_auth("view");
  EXPECT_EQ(c.Get("/api/v1/status/page")->status, 200);
}

TEST_F(WebConsoleTest, MalformedRequestsAreAnsweredNotCrashed) {
  for (const char* cookie : {"", "fw_session", "fw_session=", ";;;", "a=b; fw_session=x;"}) {
    auto r = Client().Get("/ui/session", {{"Cookie", cookie}});
    ASSERT_TRUE(r) << cookie;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["data"]["signedIn"], false);
  }
  EXPECT_EQ(Client().Post("/ui/login", R"({"token": 7})", "application/json")->status, 400);
  // Over the body limit: 413, or the connection closed while the client still
  // sends (the server answers before reading it all). Never a crash.
  std::signal(SIGPIPE, SIG_IGN);
  auto big = Client().Post("/ui/login", std::string(2 << 20, 'x'), "application/json");
  if (big) {
    EXPECT_EQ(big->status, 413);
  }
  EXPECT_EQ(Client().Get("/ui/session")->status, 200) << "the server still answers";
}

TEST(CookieValueTest, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; fw_session=abc; b=2", "fw_session"), "abc");
  EXPECT_EQ(CookieValue("fw_session=abc", "fw_session"), "abc");
  EXPECT_EQ(CookieValue("xfw_session=abc", "fw_session"), "");
  EXPECT_EQ(CookieValue("", "fw_session"), "");
}

}  // namespace
}  // namespace fw::web
