#include "server/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace fw::server {
namespace {

Route R(std::string method, std::string pattern, std::string tag = "") {
  Route r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.handler = [tag](const Request&) { return Response::Text(200, tag); };
  return r;
}

std::string Tag(const RouteLookup& l) {
  return l.route ? l.route->handler(Request{}).body : "<none>";
}

TEST(RouterTest, MatchesExactPathsAndRoot) {
  Router r;
  r.Add(R("GET", "/", "root"));
  r.Add(R("GET", "/api/v1/rules", "rules"));
  EXPECT_EQ(Tag(r.Find("GET", "/")), "root");
  EXPECT_EQ(Tag(r.Find("GET", "/api/v1/rules")), "rules");
  EXPECT_EQ(Tag(r.Find("GET", "/api/v1/rules/")), "<none>");  // trailing slash differs
  EXPECT_EQ(Tag(r.Find("GET", "/api/v1")), "<none>");
  EXPECT_EQ(Tag(r.Find("GET", "*")), "<none>");
  EXPECT_EQ(Tag(r.Find("GET", "http://host/")), "<none>");
}

TEST(RouterTest, ExtractsDecodedPathParams) {
  Router r;
  r.Add(R("GET", "/api/v1/instances/:id/events/:n", "ev"));
  RouteLookup l = r.Find("GET", "/api/v1/instances/db%2F1%20x/events/7");
  ASSERT_NE(l.route, nullptr);
  EXPECT_EQ(l.params.at("id"), "db/1 x");  // %2F stays inside one segment
  EXPECT_EQ(l.params.at("n"), "7");
  EXPECT_EQ(r.Find("GET", "/api/v1/instances//events/7").route, nullptr);  // empty segment
}

TEST(RouterTest, LiteralSegmentBeatsParamWhateverTheOrder) {
  Router r;
  r.Add(R("GET", "/i/:id", "param"));
  r.Add(R("GET", "/i/summary", "literal"));
  r.Add(R("GET", "/:a/x", "late-literal"));
  EXPECT_EQ(Tag(r.Find("GET", "/i/summary")), "literal");
  EXPECT_EQ(Tag(r.Find("GET", "/i/42")), "param");
  EXPECT_EQ(Tag(r.Find("GET", "/i/x")), "param");  // earlier literal wins
}

TEST(RouterTest, ReportsAllowedMethodsForKnownPath) {
  Router r;
  r.Add(R("GET", "/things/:id"));
  r.Add(R("delete", "/things/:id"));  // method is upper-cased
  RouteLookup l = r.Find("PUT", "/things/1");
  EXPECT_EQ(l.route, nullptr);
  EXPECT_EQ(l.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));
  EXPECT_TRUE(r.Find("PUT", "/nothing").allowed_methods.empty());
  EXPECT_NE(r.Find("DELETE", "/things/1").route, nullptr);
}

TEST(RouterTest, HeadUsesGetRoute) {
  Router r;
  r.Add(R("GET", "/a", "get"));
  EXPECT_EQ(Tag(r.Find("HEAD", "/a")), "get");
  r.Add(R("HEAD", "/a", "head"));
  EXPECT_EQ(Tag(r.Find("HEAD", "/a")), "head");
}

TEST(RouterTest, SameShapeReplaces) {
  Router r;
  r.Add(R("GET", "/x/:id", "first"));
  r.Add(R("GET", "/x/:other", "second"));
  EXPECT_EQ(r.routes().size(), 1u);
  RouteLookup l = r.Find("GET", "/x/1");
  EXPECT_EQ(Tag(l), "second");
  EXPECT_EQ(l.params.at("other"), "1");
}

TEST(RouterTest, RejectsMalformedRoutes) {
  Router r;
  EXPECT_THROW(r.Add(R("GET", "no-slash")), std::invalid_argument);
  EXPECT_THROW(r.Add(R("GET", "/a/:")), std::invalid_argument);
  EXPECT_THROW(r.Add(R("GET", "/a/:x/:x")), std::invalid_argument);
  EXPECT_THROW(r.Add(R("GET", "/a?b=1")), std::invalid_argument);
  EXPECT_THROW(r.Add(R("", "/a")), std::invalid_argument);
  EXPECT_THROW(r.Add(R("G T", "/a")), std::invalid_argument);
  EXPECT_TRUE(r.routes().empty());
}

TEST(RouterTest, PercentDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("%41%62"), "Ab");
}

}  // namespace
}  // namespace fw::server
