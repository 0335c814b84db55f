#include "alerting/router.h"

#include <gtest/gtest.h>

namespace fw::alerting {
namespace {

constexpr Timestamp kS = 1000;

RoutingConfig Config(const std::string& yaml) {
  YamlReader r("am.yml");
  auto doc = LoadYaml(yaml, "am.yml");
  EXPECT_TRUE(doc) << doc.error().ToString();
  RoutingConfig cfg = ParseRouting(r, *doc);
  for (const Error& e : r.errors()) ADD_FAILURE() << e.ToString();
  return cfg;
}

const char* kBasic = R"(
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      continue: true
    - matchers: ['team=~"db|storage"']
      receiver: dba
receivers:
  - name: oncall
    webhook_configs: [{url: "http://127.0.0.1:9/a"}]
  - name: pager
    webhook_configs: [{url: "http://127.0.0.1:9/b"}]
  - name: dba
    webhook_configs: [{url: "http://127.0.0.1:9/c"}]
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [service]
)";

RoutedAlert Firing(LabelSet labels, Timestamp at) { return {std::move(labels), {}, at, 0, ""}; }

std::vector<std::string> Summary(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const Notification& n : ns) {
    std::string s = n.receiver + (n.firing ? " firing" : " resolved") + ":";
    for (const RoutedAlert& a : n.alerts) s += " " + std::string(a.labels.Get("instance"));
    out.push_back(s);
  }
  return out;
}

TEST(RouteTest, MatchesLikeAlertmanager) {
  RoutingConfig cfg = Config(kBasic);
  auto ids = [&](LabelSet l) {
    std::string out;
    for (const Route* r : cfg.root.Match(l)) out += r->receiver + " ";
    return out;
  };
  EXPECT_EQ(ids({{"alertname", "A"}}), "oncall ");
  EXPECT_EQ(ids({{"severity", "page"}, {"team", "db"}}), "pager dba ") << "continue: true";
  EXPECT_EQ(ids({{"team", "storage"}}), "dba ");
  EXPECT_EQ(cfg.root.routes[1].group_wait, std::chrono::seconds(10)) << "inherited";
}

TEST(RouteTest, ConfigErrors) {
  YamlReader r("am.yml");
  auto doc = LoadYaml(
      "route:\n  receiver: nobody\n  routes:\n    - matchers: ['a=~\"(\"']\n"
      "receivers:\n  - name: x\n    webhook_configs: [{url: ftp://x}]\n",
      "am.yml");
  ParseRouting(r, *doc);
  std::vector<std::string> got;
  for (const Error& e : r.errors()) got.push_back(e.ToString());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find("webhook_configs[0].url: expected an http://"), std::string::npos)
      << got[0];
  EXPECT_NE(got[1].find("route.routes[0].matchers[0]: invalid regex"), std::string::npos) << got[1];
  EXPECT_NE(got[2].find("undefined receiver \"nobody\""), std::string::npos) << got[2];
}

TEST(RouterTest, GroupWaitIntervalRepeatAndPromptResolve) {
  Router router(Config(kBasic));
  router.Put(Firing({{"alertname", "Down"}, {"instance", "a"}}, 0), 0);
  router.Put(Firing({{"alertname", "Down"}, {"instance", "b"}}, 2 * kS), 2 * kS);
  EXPECT_TRUE(router.Flush(9 * kS).empty()) << "group_wait holds the first notification";
  EXPECT_EQ(*router.NextFlush(), 10 * kS);
  EXPECT_EQ(Summary(router.Flush(10 * kS)), (std::vector<std::string>{"oncall firing: a b"}));
  router.Put(Firing({{"alertname", "Down"}, {"instance", "a"}}, 0), 30 * kS);  // re-sent, same
  EXPECT_TRUE(router.Flush(70 * kS).empty()) << "nothing changed: no notification";
  router.Put(Firing({{"alertname", "Down"}, {"instance", "c"}}, 80 * kS), 80 * kS);
  EXPECT_TRUE(router.Flush(100 * kS).empty()) << "a new member waits for group_interval";
  EXPECT_EQ(Summary(router.Flush(130 * kS)), (std::vector<std::string>{"oncall firing: a b c"}));
  RoutedAlert resolved = Firing({{"alertname", "Down"}, {"instance", "b"}}, 2 * kS);
  resolved.ends_at = 140 * kS;
  router.Put(resolved, 140 * kS);
  EXPECT_EQ(*router.NextFlush(), 140 * kS) << "resolutions go out at once";
  EXPECT_EQ(Summary(router.Flush(140 * kS)), (std::vector<std::string>{"oncall firing: a b c"}));
  EXPECT_TRUE(router.Flush(200 * kS).empty());
  EXPECT_EQ(Summary(router.Flush(140 * kS + 3600 * kS)),
            (std::vector<std::string>{"oncall firing: a c"}))
      << "repeat_interval while firing";
}

TEST(RouterTest, SilencesAndInhibitionSuppressAndExplain) {
  Router router(Config(kBasic));
  const LabelSet page{
      {"alertname", "Api5xx"}, {"severity", "page"}, {"service", "shop"}, {"instance", "p"}};
  const LabelSet ticket{
      {"alertname", "ApiSlow"}, {"severity", "ticket"}, {"service", "shop"}, {"instance", "t"}};
  router.Put(Firing(page, 0), 0);
  router.Put(Firing(ticket, 0), 0);
  auto ns = Summary(router.Flush(10 * kS));
  EXPECT_EQ(ns, (std::vector<std::string>{"pager firing: p"}))
      << "the ticket is inhibited by the page with the same service";
  Explanation why = router.Explain(ticket, 10 * kS);
  ASSERT_EQ(why.inhibited.size(), 1u);
  EXPECT_NE(why.inhibited[0].find("inhibit_rules[0]"), std::string::npos);
  auto id = router.AddSilence(
      {"", {*Matcher::Parse("alertname=Api5xx")}, 0, 100 * kS, "ann", "deploying"}, 20 * kS);
  ASSERT_TRUE(id);
  EXPECT_EQ(router.Explain(page, 30 * kS).silences.size(), 1u);
  EXPECT_TRUE(router.ExpireSilence(*id, 50 * kS));
  EXPECT_TRUE(router.Explain(page, 60 * kS).silences.empty());
  EXPECT_FALSE(router.AddSilence({"", {}, 0, 10, "", ""}, 0)) << "no matchers";
}

TEST(MatcherTest, ParsesAlertmanagerSyntax) {
  EXPECT_EQ(Matcher::Parse("severity = \"crit\\\"ical\"")->value(), "crit\"ical");
  EXPECT_EQ(Matcher::Parse("env!=dev")->ToString(), "env!=\"dev\"");
  auto re = Matcher::Parse("job=~api|web");
  ASSERT_TRUE(re);
  EXPECT_TRUE(re->Matches({{"job", "web"}}));
  EXPECT_FALSE(re->Matches({{"job", "webx"}})) << "anchored";
  EXPECT_TRUE(Matcher::Parse("x!~.+")->Matches({})) << "absent is empty";
  EXPECT_FALSE(Matcher::Parse("bad"));
  EXPECT_FALSE(Matcher::Parse("1x=y"));
}

}  // namespace
}  // namespace fw::alerting
