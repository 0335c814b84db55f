// Token table, Authorization parsing, the role check, and the plain types of
// http.h (roles, error mapping).
#include "server/auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fw::server {
namespace {

TokenTable Tokens() {
  auto t = TokenTable::Create({{"viewer-secret", Role::kViewer, "grafana"},
                               {"responder-secret", Role::kResponder, "alice"},
                               {"admin-secret", Role::kAdmin, "root"}});
  EXPECT_TRUE(t.has_value());
  return std::move(*t);
}

TEST(AuthTest, TokenTableRejectsEmptyAndDuplicateTokens) {
  auto empty = TokenTable::Create({{"", Role::kAdmin, "ops"}});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(empty.error().message().find("\"ops\""), std::string::npos);

  auto dup = TokenTable::Create(
      {{"dup-secret-123", Role::kViewer, "a"}, {"dup-secret-123", Role::kAdmin, "b"}});
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().message().find("\"b\""), std::string::npos);
  EXPECT_EQ(dup.error().message().find("dup-secret-123"), std::string::npos);  // never echo secrets
}

TEST(AuthTest, FindMatchesWholeTokenOnly) {
  TokenTable t = Tokens();
  ASSERT_NE(t.Find("responder-secret"), nullptr);
  EXPECT_EQ(t.Find("responder-secret")->name, "alice");
  EXPECT_EQ(t.Find("responder-secre"), nullptr);
  EXPECT_EQ(t.Find("responder-secretX"), nullptr);
  EXPECT_EQ(t.Find(""), nullptr);
}

TEST(AuthTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcabc", "abc"));  // wraps around the secret
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", ""));  // an empty secret never matches
}

TEST(AuthTest, IdentifyParsesBearerScheme) {
  TokenTable t = Tokens();
  EXPECT_FALSE(Identify(t, std::nullopt).sent_credentials);
  Caller ok = Identify(t, "Bearer admin-secret");
  ASSERT_NE(ok.token, nullptr);
  EXPECT_EQ(ok.token->role, Role::kAdmin);
  EXPECT_NE(Identify(t, "bearer   admin-secret  ").token, nullptr);
  for (const char* bad : {"Basic admin-secret", "Bearer", "Bearer ", "Beareradmin-secret",
                          "Bearer nope", "admin-secret"}) {
    Caller c = Identify(t, bad);
    EXPECT_TRUE(c.sent_credentials) << bad;
    EXPECT_EQ(c.token, nullptr) << bad;
  }
}

TEST(AuthTest, AuthorizeAppliesPolicy) {
  TokenTable t = Tokens();
  const Caller anon = Identify(t, std::nullopt);
  const Caller bad = Identify(t, "Bearer wrong");
  const Caller viewer = Identify(t, "Bearer viewer-secret");
  const Caller responder = Identify(t, "Bearer responder-secret");
  const Caller admin = Identify(t, "Bearer admin-secret");

  // Anonymous reads: only GET/HEAD, only kViewer routes, only when allowed.
  EXPECT_EQ(Authorize(anon, "GET", Role::kViewer, false, true), Verdict::kAllow);
  EXPECT_EQ(Authorize(anon, "HEAD", Role::kViewer, false, true), Verdict::kAllow);
  EXPECT_EQ(Authorize(anon, "GET", Role::kViewer, false, false), Verdict::kUnauthenticated);
  EXPECT_EQ(Authorize(anon, "GET", Role::kResponder, false, true), Verdict::kUnauthenticated);
  EXPECT_EQ(Authorize(anon, "POST", Role::kViewer, false, true), Verdict::kUnauthenticated);
  // Wrong credentials are never downgraded to anonymous.
  EXPECT_EQ(Authorize(bad, "GET", Role::kViewer, false, true), Verdict::kUnauthenticated);
  // Roles are ordered.
  EXPECT_EQ(Authorize(viewer, "POST", Role::kResponder, false, true), Verdict::kForbidden);
  EXPECT_EQ(Authorize(responder, "POST", Role::kResponder, false, true), Verdict::kAllow);
  EXPECT_EQ(Authorize(admin, "POST", Role::kResponder, false, true), Verdict::kAllow);
  EXPECT_EQ(Authorize(responder, "DELETE", Role::kAdmin, false, true), Verdict::kForbidden);
  // Public routes ignore credentials entirely.
  EXPECT_EQ(Authorize(bad, "GET", Role::kViewer, true, false), Verdict::kAllow);
}

TEST(AuthTest, ReadScopesLimitReadsToTheirAreas) {
  auto table = TokenTable::Create(
      {{"metrics-secret", Role::kViewer, "grafana", ScopeBit(Area::kMetrics)},
       {"pager-secret", Role::kResponder, "pager", ScopeBit(Area::kIncidents)},
       {"both-secret", Role::kViewer, "both", ScopeBit(Area::kLogs) | ScopeBit(Area::kReports)},
       {"all-secret", Role::kViewer, "all"}});
  ASSERT_TRUE(table.has_value());
  const Caller metrics = Identify(*table, "Bearer metrics-secret");
  const Caller pager = Identify(*table, "Bearer pager-secret");
  const Caller both = Identify(*table, "Bearer both-secret");
  const Caller all = Identify(*table, "Bearer all-secret");
  for (bool anonymous_reads : {true, false}) {
    EXPECT_EQ(Authorize(metrics, "GET", Role::kViewer, false, anonymous_reads, Area::kMetrics),
              Verdict::kAllow);
    EXPECT_EQ(Authorize(metrics, "GET", Role::kViewer, false, anonymous_reads, Area::kLogs),
              Verdict::kOutOfScope);
    EXPECT_EQ(Authorize(metrics, "GET", Role::kViewer, false, anonymous_reads, Area::kOther),
              Verdict::kOutOfScope);
    EXPECT_EQ(Authorize(both, "GET", Role::kViewer, false, anonymous_reads, Area::kReports),
              Verdict::kAllow);
    EXPECT_EQ(Authorize(both, "GET", Role::kViewer, false, anonymous_reads, Area::kIncidents),
              Verdict::kOutOfScope);
    EXPECT_EQ(Authorize(all, "GET", Role::kViewer, false, anonymous_reads, Area::kOther),
              Verdict::kAllow);
  }
  // Scopes narrow reads; writes follow the role alone.
  EXPECT_EQ(Authorize(pager, "POST", Role::kResponder, false, true, Area::kMetrics),
            Verdict::kAllow);
  EXPECT_EQ(Authorize(pager, "GET", Role::kViewer, false, true, Area::kMetrics),
            Verdict::kOutOfScope);
  EXPECT_EQ(Authorize(metrics, "POST", Role::kResponder, false, true, Area::kMetrics),
            Verdict::kForbidden);
  // Public routes stay public.
  EXPECT_EQ(Authorize(metrics, "GET", Role::kViewer, true, false, Area::kLogs), Verdict::kAllow);
}

TEST(AuthTest, RoutesMapToAreasAndScopesParse) {
  EXPECT_EQ(AreaOfPattern("/api/v1/query_range"), Area::kMetrics);
  EXPECT_EQ(AreaOfPattern("/api/v1/label/:name/values"), Area::kMetrics);
  EXPECT_EQ(AreaOfPattern("/metrics"), Area::kMetrics);
  EXPECT_EQ(AreaOfPattern("/api/v2/silences"), Area::kAlerts);
  EXPECT_EQ(AreaOfPattern("/api/v1/alerts/explain"), Area::kAlerts);
  EXPECT_EQ(AreaOfPattern("/api/v1/oncall/shifts"), Area::kAlerts);
  EXPECT_EQ(AreaOfPattern("/api/v1/logs/queries/:id"), Area::kLogs);
  EXPECT_EQ(AreaOfPattern("/api/v1/incidents/:id"), Area::kIncidents);
  EXPECT_EQ(AreaOfPattern("/api/v1/incidents/:id/response"), Area::kIncidents);
  EXPECT_EQ(AreaOfPattern("/api/v1/incidents/:id/report"), Area::kReports);
  EXPECT_EQ(AreaOfPattern("/api/v1/changes"), Area::kIncidents);
  EXPECT_EQ(AreaOfPattern("/api/v1/querying"), Area::kOther);  // a prefix, not a segment
  EXPECT_EQ(AreaOfPattern("/sim/targets"), Area::kOther);
  for (Area a : {Area::kMetrics, Area::kAlerts, Area::kLogs, Area::kIncidents, Area::kReports}) {
    auto parsed = ParseReadScope(ReadScopeName(a));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, a);
  }
  auto bad = ParseReadScope("read:everything");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("read:metrics"), std::string::npos);
}

TEST(HttpTypesTest, ParseRoleRoundTripsAndExplainsErrors) {
  for (Role r : {Role::kViewer, Role::kResponder, Role::kAdmin}) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, r);
  }
  auto bad = ParseRole("root");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("\"root\""), std::string::npos);
  EXPECT_NE(bad.error().message().find("responder"), std::string::npos);
}

TEST(HttpTypesTest, FromErrorMapsCodeToStatusAndJsonBody) {
  struct Case {
    ErrorCode code;
    int status;
    const char* name;
  };
  for (const Case& c :
       {Case{ErrorCode::kInvalidArgument, 400, "invalid_argument"},
        Case{ErrorCode::kUnauthorized, 401, "unauthorized"},
        Case{ErrorCode::kForbidden, 403, "forbidden"}, Case{ErrorCode::kNotFound, 404, "not_found"},
        Case{ErrorCode::kTooLarge, 413, "too_large"}, Case{ErrorCode::kInternal, 500, "internal"},
        Case{ErrorCode::kIo, 503, "io"}}) {
    Response r = Response::FromError(Error(c.code, "boom", {"rules.yml", 3, 7}));
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.content_type, "application/json");
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["status"], "error");
    EXPECT_EQ(j["error"]["code"], c.name);
    EXPECT_EQ(j["error"]["message"], "rules.yml:3:7: boom");
    EXPECT_EQ(r.headers.empty(), c.status != 401) << c.name;  // 401 adds WWW-Authenticate
  }
}

TEST(HttpTypesTest, ErrorJsonSurvivesInvalidUtf8) {
  Response r = Response::ErrorJson(404, "not_found", "no route for /\xff\xfe");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "not_found");
}

TEST(HttpTypesTest, ParamReturnsFirstValueOrFallback) {
  Request req;
  req.query = {{"a", "1"}, {"a", "2"}};
  EXPECT_EQ(req.Param("a"), "1");
  EXPECT_EQ(req.Param("b", "dflt"), "dflt");
  EXPECT_EQ(req.Param("b"), "");
}

}  // namespace
}  // namespace fw::server
