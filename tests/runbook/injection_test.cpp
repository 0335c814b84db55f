// Injection through runbook template values (issue #14, ctest -L hardening):
// a value that would become a command-line option, and a value that would
// rewrite a PromQL verification. Also the quoting functions themselves.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "alerting/memory_rule_storage.h"
#include "common/yaml_reader.h"
#include "metrics/promql/lexer.h"
#include "runbook/exec_adapter.h"
#include "runbook/execution.h"
#include "runbook/quoting.h"
#include "runbook/runbook.h"
#include "runbook/site_actions.h"

namespace fw::runbook {
namespace {

constexpr Timestamp kT0 = 1'768'485'600'000;  // 2026-01-15T14:00:00Z

// Values an incident's labels or a change event could carry.
const char* kOptionValues[] = {"--all", "-A", "--kubeconfig=/tmp/x", "-n=kube-system", "-"};

ExecActions KubectlLike() {
  auto a = ParseExecActions(R"(actions:
  terminate_instance:
    argv: [/bin/echo, delete, pod, "{{ .instance }}", --namespace, "{{ .namespace | default \"prod\" }}"]
  scale:
    argv: [/bin/echo, scale, "deployment/{{ .service }}", "--replicas={{ .to }}"]
  rollback:
    argv: [/bin/echo, "{{ .service | arg }}", --to, "{{ .version | arg }}"]
)",
                            "kube.yml");
  EXPECT_TRUE(a) << a.error().ToString();
  return a.value_or(ExecActions{});
}

TEST(RunbookInjectionTest, ArgvValueBeginningWithDashIsRefused) {
  RealClock clock;
  ExecAdapter exec(KubectlLike(), clock);
  for (const char* v : kOptionValues) {
    for (bool dry : {true, false}) {
      auto out = exec.Run({"terminate_instance", {{"instance", v}}}, dry);
      ASSERT_FALSE(out) << v;
      const std::string& m = out.error().message();
      EXPECT_TRUE(m.starts_with("kube.yml: actions.terminate_instance.argv[3]")) << m;
      EXPECT_NE(m.find("the value of .instance"), std::string::npos) << m;
      EXPECT_NE(m.find("would be read as an option"), std::string::npos) << m;
    }
    // The namespace position too (argv[5]), and through a default-less var.
    auto ns = exec.Run({"terminate_instance", {{"instance", "a"}, {"namespace", v}}}, true);
    ASSERT_FALSE(ns) << v;
    EXPECT_NE(ns.error().message().find("argv[5]"), std::string::npos);
  }
}

TEST(RunbookInjectionTest, MarkedOrPrefixedPositionsAcceptDashes) {
  RealClock clock;
  ExecAdapter exec(KubectlLike(), clock);
  auto scale = exec.Run({"scale", {{"service", "--all"}, {"to", "-1"}}}, false);
  ASSERT_TRUE(scale) << scale.error().ToString();
  EXPECT_EQ(scale->output, "scale deployment/--all --replicas=-1");
  auto marked = exec.Run({"rollback", {{"service", "-x"}, {"version", "--v2"}}}, false);
  ASSERT_TRUE(marked) << marked.error().ToString();
  EXPECT_EQ(marked->output, "-x --to --v2");
  auto plain = exec.Run({"terminate_instance", {{"instance", "shop-1"}}}, false);
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->output, "delete pod shop-1 --namespace prod");
}

TEST(RunbookInjectionTest, SiteExecActionsRefuseTooAndDryRunsShowIt) {
  auto doc = YAML::Load(
      "actions:\n  restart_instance: {exec: {argv: [/bin/echo, restart, \"{{ .instance }}\"]}}\n");
  YamlReader r("firewatch.yml");
  SiteActions acts = ReadSiteActions(r, doc);
  ASSERT_TRUE(r.ok());
  RealClock clock;
  SiteActionAdapter site(std::move(acts), clock);
  auto rb = ParseRunbook(
      "name: r\nsteps:\n  - action: restart_instance\n    args: {instance: \"{{ .labels.pod "
      "}}\"}\n",
      "r.yml");
  ASSERT_TRUE(rb) << rb.error().ToString();
  alerting::MemoryRuleStorage none;
  ExecutionOptions opt;
  opt.dry_run = true;
  opt.vars = {{"labels.pod", "--all"}};
  Execution e(*rb, "INC-1", site, none, nullptr, nullptr, opt);
  EXPECT_EQ(e.Advance(kT0), RunStatus::kFailed);
  const std::string& m = e.record().steps[0].message;
  EXPECT_NE(m.find("actions.restart_instance.argv[2]"), std::string::npos) << m;
  EXPECT_NE(m.find(".instance (\"--all\") begins with \"-\""), std::string::npos) << m;
}

// Every value, quoted, lexes back as exactly itself inside "...".
TEST(RunbookInjectionTest, PromqlQuotingRoundTrips) {
  const std::string values[] = {"v2.5.0",
                                R"(x"} or vector(1) #)",
                                R"(a\"b)",
                                "line\nbreak\r\t",
                                std::string("nul\0byte", 8),
                                "\x7f\x01",
                                "caf\xc3\xa9",
                                "bad\xff\xfeutf8",
                                "'single' `back`",
                                "\\",
                                "\\x41\\u0041"};
  for (const std::string& v : values) {
    const std::string q = "\"" + QuotePromql(v) + "\"";
    auto tokens = metrics::promql::Lex(q);
    ASSERT_TRUE(tokens) << q << ": " << tokens.error().ToString();
    ASSERT_EQ(tokens->size(), 2u) << q;
    EXPECT_EQ((*tokens)[0].kind, metrics::promql::TokenKind::kString) << q;
    EXPECT_EQ((*tokens)[0].text, v) << q;
  }
  EXPECT_EQ(QuotePromql(R"(x"} or vector(1) #)"), R"(x\"} or vector(1) #)");
  EXPECT_EQ(QuotePromql("a\\b\n"), "a\\\\b\\n");
}

TEST(RunbookInjectionTest, SqlQuoting) {
  EXPECT_EQ(QuoteSql("O'Brien"), "O''Brien");
  EXPECT_EQ(QuoteSql("x' OR '1'='1"), "x'' OR ''1''=''1");
  EXPECT_EQ(QuoteSql("a\\' OR 1=1 -- "), "a\\\\'' OR 1=1 -- ");
  EXPECT_EQ(QuoteSql(std::string("n\0l\n\r\x1a", 6)), "n\\0l\\n\\r\\Z");
  auto t = Template::Parse("SELECT * FROM t WHERE route = '{{ .route | sql }}'");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t->Render({{"route", "/x'; DROP TABLE t; --"}}),
            "SELECT * FROM t WHERE route = '/x''; DROP TABLE t; --'");
}

Runbook Load(const std::string& yaml) {
  auto rb = ParseRunbook(yaml, "v.yml");
  EXPECT_TRUE(rb) << rb.error().ToString();
  return rb.value_or(Runbook{});
}

RunStatus Verify(const Runbook& rb, const std::string& previous_version) {
  alerting::MemoryRuleStorage metrics;
  metrics.Add(LabelSet{{"__name__", "app_build_info"}, {"version", "v2"}}, {kT0, 1});
  metrics.Add(LabelSet{{"__name__", "app_build_info"}, {"version", "we\"ird\\v1"}}, {kT0, 1});
  metrics.Add(LabelSet{{"__name__", "g"}}, {kT0, 3});
  class NoActions final : public ActionAdapter {
   public:
    std::string name() const override { return "none"; }
    Result<ActionOutcome> Run(const ActionCall&, bool) override {
      return Fail(ErrorCode::kInternal, "no actions here");
    }
  } none;
  ExecutionOptions opt;
  opt.vars = {{"suspect.previous_version", previous_version}, {"threshold", previous_version}};
  Execution e(rb, "INC-1", none, metrics, nullptr, nullptr, opt);
  for (Timestamp t = kT0; t <= kT0 + 60'000 && !e.finished(); t += 5'000) e.Advance(t);
  return e.record().status;
}

TEST(RunbookInjectionTest, PromqlInjectionDoesNotPassTheVerification) {
  // "The previous version is back": holds only when that version runs.
  const Runbook rb = Load(R"(name: v
steps:
  - verify: app_build_info{version="{{ .suspect.previous_version | promql }}"} == 1
    timeout: 30s
)");
  EXPECT_EQ(Verify(rb, "v2"), RunStatus::kSucceeded);  // it does run
  EXPECT_EQ(Verify(rb, "v1"), RunStatus::kFailed);     // it does not
  // Unquoted, these would have made the query `... or vector(1)`: they
  // are now one label value that no series has.
  for (const char* evil : {R"(x"} or vector(1) #)", R"(x"} == 1 or vector(1) or g{a=")",
                           "x\"}\nor vector(1)\n#", R"(x\"} or vector(1) #)"}) {
    EXPECT_EQ(Verify(rb, evil), RunStatus::kFailed) << evil;
  }
  EXPECT_EQ(Verify(rb, "we\"ird\\v1"), RunStatus::kSucceeded);  // exact, quotes and all
}

TEST(RunbookInjectionTest, NumberFilterAcceptsOnlyANumber) {
  const Runbook rb = Load(R"(name: v
vars: {threshold: "1"}
steps:
  - verify: g > {{ .threshold | number }}
    timeout: 30s
)");
  EXPECT_EQ(Verify(rb, "2"), RunStatus::kSucceeded);
  EXPECT_EQ(Verify(rb, "5"), RunStatus::kFailed);
  for (const char* evil : {"5 or vector(1)", "5 # x", "-5-1", "g", "1)"}) {
    EXPECT_EQ(Verify(rb, evil), RunStatus::kFailed) << evil;
  }
  EXPECT_TRUE(PromqlNumber("1e-3"));
  EXPECT_TRUE(PromqlNumber("-Inf"));
  EXPECT_TRUE(PromqlNumber("5m"));
  EXPECT_FALSE(PromqlNumber("vector(1)"));
}

TEST(RunbookInjectionTest, UnquotedPromqlSplicesAreRefusedAtLoad) {
  struct Case {
    const char* yaml;
    const char* where;  // file:line:column of the reference
    const char* says;
  } cases[] = {
      {"  - verify: up{version=\"{{ .suspect.version }}\"} == 1\n", "s.yml:3:25",
       "steps[0].verify: .suspect.version is inside a PromQL string: write {{ .suspect.version "
       "| promql }}"},
      {"  - query: up{job=\"{{ .labels.job | default \"x\" }}\"}\n    capture: {i: instance}\n",
       "s.yml:3:20", "steps[0].query: .labels.job is inside a PromQL string"},
      {"  - notify: hi\n    when:\n      promql: |\n        up{a=\"1\"}\n        and "
       "up{v=\"{{ .suspect.version }}\"}\n",
       "s.yml:7:19", "steps[0].when.promql: .suspect.version is inside a PromQL string"},
      {"  - verify: up{v='{{ .suspect.version | promql }}'}\n", "s.yml:3:19", "'single-quoted'"},
      {"  - verify: up{v=`{{ .suspect.version | promql }}`}\n", "s.yml:3:19", "`raw`"},
      {"  - verify: up > {{ .suspect.version }}\n", "s.yml:3:18", "stands outside a PromQL string"},
      {"  - verify: up > {{ .suspect.version | promql }}\n", "s.yml:3:18",
       "stands outside a PromQL string"},
      {"  - verify: up{v=\"\\{{ .suspect.version | promql }}\"}\n", "s.yml:3:20",
       "would escape its first character"},
      {"  - verify: 'up # {{ .suspect.version | promql }}'\n", "s.yml:3:19", "PromQL comment"},
  };
  for (const Case& c : cases) {
    const std::string yaml = std::string("name: s\nsteps:\n") + c.yaml;
    auto rb = ParseRunbook(yaml, "s.yml");
    ASSERT_FALSE(rb) << yaml;
    EXPECT_EQ(rb.error().where().ToString(), c.where) << yaml << rb.error().ToString();
    EXPECT_NE(rb.error().message().find(c.says), std::string::npos) << rb.error().ToString();
  }
  // Quoted for where they stand: accepted.
  EXPECT_TRUE(
      ParseRunbook("name: s\nsteps:\n  - verify: up{v=\"{{ .suspect.version | promql }}\", "
                   "w=\"a\\\"{{ .labels.x | default \"y\" | promql }}\"} > "
                   "{{ .labels.t | number }} # done\n",
                   "s.yml"));
}

TEST(RunbookInjectionTest, ShippedRunbooksQuoteEverySplice) {
  RunbookSet set = LoadRunbookDir(FW_RUNBOOK_DIR);
  for (const Error& e : set.errors) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(set.runbooks.size(), 9u);
  size_t quoted = 0;
  for (const Runbook& rb : set.runbooks) {
    for (const Step& s : rb.steps) {
      for (const Template::Ref& r : s.expr.refs()) quoted += r.quote == Quote::kPromql;
    }
  }
  EXPECT_GE(quoted, 3u);  // the three rollback checks on .suspect.version
}

}  // namespace
}  // namespace fw::runbook
