// Runbook files: parsing errors with file:line:column, templates, the action
// catalog's argument checks, and the shipped runbooks and action files.

#include "runbook/runbook.h"

#include <gtest/gtest.h>

#include "runbook/exec_adapter.h"
#include "runbook/template.h"

namespace fw::runbook {
namespace {

const char* kMinimal = R"(name: t
steps:
  - action: maintenance_on
)";

TEST(TemplateTest, RendersReferencesWithAndWithoutDots) {
  auto t = Template::Parse("deployment/{{ .labels.service }} -n {{namespace}}");
  ASSERT_TRUE(t) << t.error().ToString();
  auto s = t->Render({{"labels.service", "shop"}, {"namespace", "prod"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "deployment/shop -n prod");
  EXPECT_EQ(t->refs().size(), 2u);
  EXPECT_FALSE(t->literal());
}

TEST(TemplateTest, DefaultsApplyToMissingAndEmptyValues) {
  auto t = Template::Parse(R"({{ .ns | default "prod" }})");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t->Render({}), "prod");
  EXPECT_EQ(*t->Render({{"ns", ""}}), "prod");
  EXPECT_EQ(*t->Render({{"ns", "dev"}}), "dev");
}

TEST(TemplateTest, MissingVariableNamesItAndSaysWhatToDo) {
  auto t = Template::Parse("v={{ .suspect.version }}");
  ASSERT_TRUE(t);
  auto s = t->Render({});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find(".suspect.version has no value"), std::string::npos);
  EXPECT_NE(s.error().message().find("--var suspect.version=VALUE"), std::string::npos);
  EXPECT_EQ(t->RenderLoose({}), "v=<suspect.version>");
}

TEST(TemplateTest, SyntaxErrorsCarryTheColumn) {
  struct Case {
    const char* text;
    int column;
    const char* says;
  } cases[] = {
      {"a {{ .x ", 3, "unterminated"},
      {"{{ }}", 4, "expected a variable name"},
      {"{{ .x | upper }}", 9, "unknown filter \"upper\""},
      {"{{ .x | default prod }}", 17, "quoted value"},
      {"{{ .a..b }}", 5, "variable name"},
  };
  for (const Case& c : cases) {
    auto t = Template::Parse(c.text);
    ASSERT_FALSE(t) << c.text;
    EXPECT_EQ(t.error().where().column, c.column) << c.text;
    EXPECT_NE(t.error().message().find(c.says), std::string::npos) << t.error().message();
  }
}

TEST(TemplateTest, LoneClosingBracesAreText) {
  auto t = Template::Parse(R"({"data":{"{{ .flag }}":"false"}})");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(*t->Render({{"flag", "new-cart"}}), R"({"data":{"new-cart":"false"}})");
}

TEST(RunbookParseTest, LoadsEveryField) {
  auto rb = ParseRunbook(R"(name: full
description: all of it
applies_to: {categories: [db_pool_exhaustion], labels: ['service=~"shop|cart"']}
approval: {required: true, timeout: 5m}
vars: {namespace: prod}
steps:
  - name: roll back
    phase: containment
    when: {set: suspect.version}
    action: rollback
    args: {service: "{{ .labels.service }}", version: "{{ .suspect.version }}"}
    revert: {action: maintenance_off}
    on_failure: revert
  - wait: 1m
  - query: up == 0
    capture: {bad: instance}
  - action: restart_instance
    args: {instance: "{{ .bad }}"}
  - verify: up == 1
    phase: resolution
    for: 2m
    timeout: 5m
  - approve: "ok to proceed in {{ .namespace }}?"
    timeout: 1m
    phase: recovery
  - notify: done
    channel: ops
    on_failure: continue
)",
                         "full.yml");
  ASSERT_TRUE(rb) << rb.error().ToString();
  EXPECT_EQ(rb->name, "full");
  EXPECT_TRUE(rb->requires_approval);
  EXPECT_EQ(rb->approval_timeout, Millis(300'000));
  ASSERT_EQ(rb->steps.size(), 7u);
  EXPECT_EQ(rb->steps[0].on_failure, OnFailure::kRevert);
  EXPECT_EQ(rb->steps[0].when.set, std::vector<std::string>{"suspect.version"});
  ASSERT_TRUE(rb->steps[0].revert);
  EXPECT_EQ(rb->steps[1].kind, StepKind::kWait);
  EXPECT_EQ(rb->steps[1].phase, "containment");  // inherited
  EXPECT_EQ(rb->steps[1].name, "wait");
  EXPECT_EQ(rb->steps[2].capture.at("bad"), "instance");
  EXPECT_EQ(rb->steps[4].hold_for, Millis(120'000));
  EXPECT_EQ(rb->steps[4].phase, "resolution");
  EXPECT_EQ(rb->steps[6].on_failure, OnFailure::kContinue);
  EXPECT_TRUE(Applies(*rb, "db_pool_exhaustion", LabelSet{{"service", "cart"}}));
  EXPECT_FALSE(Applies(*rb, "db_pool_exhaustion", LabelSet{{"service", "web"}}));
  EXPECT_FALSE(Applies(*rb, "memory_leak", LabelSet{{"service", "shop"}}));
}

// Each bad file and the exact first error: file:line:column, field, advice.
TEST(RunbookParseTest, ErrorsNameFileLineColumnAndField) {
  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"name: t\nsteps:\n  - action: reboot_everything\n",
       "t.yml:3:13: steps[0].action: unknown action \"reboot_everything\" (known: rollback,"},
      {"name: t\nsteps:\n  - action: scale\n", "t.yml:3:5: steps[0].args: scale needs to or by"},
      {"name: t\nsteps:\n  - action: scale\n    args: {to: 3, by: 2}\n",
       "t.yml:4:11: steps[0].args: scale takes only one of to or by"},
      {"name: t\nsteps:\n  - action: restart_instance\n    args: {instance: \"{{ .suspect.host "
       "}}\"}\n",
       "t.yml:4:22: steps[0].args.instance: unknown variable .suspect.host (known: incident.id"},
      {"name: t\nsteps:\n  - verify: 'rate(x[5m]'\n",
       "t.yml:3:13: steps[0].verify: invalid PromQL:"},
      {"name: t\nsteps:\n  - wait: 1m\n    phase: recovery\n  - wait: 1m\n    phase: containment\n",
       "t.yml:6:12: steps[1].phase: phases run in order"},
      {"name: t\nsteps:\n  - wait: 1m\n    phase: cleanup\n",
       "t.yml:4:12: steps[0].phase: expected containment, resolution or recovery"},
      {"name: t\nsteps:\n  - wait: 1m\n    verify: up\n",
       "t.yml:3:5: steps[0]: a step takes only one of action"},
      {"name: t\nsteps:\n  - wait: 1m\n    retries: 3\n",
       "t.yml:4:5: steps[0].retries: unknown field (expected one of:"},
      {"name: t\nsteps:\n  - verify: up\n    for: 5m\n    timeout: 1m\n",
       "t.yml:5:14: steps[0].timeout: must be at least `for` (5m)"},
      {"name: t\nsteps:\n  - wait: 1m\n    on_failure: retry\n",
       "t.yml:4:17: steps[0].on_failure: expected stop, revert, escalate or continue"},
      {"name: t\nsteps:\n  - wait: 1m\n    when: {set: nothing_here}\n",
       "t.yml:4:17: steps[0].when.set: unknown variable nothing_here"},
      {"name: t\nsteps:\n  - action: restart_instance\n    args: {instance: \"{{ .x }}\"}\n  - "
       "query: up\n    capture: {x: instance}\n",
       "t.yml:4:22: steps[0].args.instance: unknown variable .x"},
      {"name: t\nsteps: []\n", "t.yml:2:8: steps: required: a list of at least one step"},
      {"steps:\n  - wait: 1m\n", "t.yml:1:1: name: required"},
      {"name: t\nsteps:\n  - notify: \"{{ .a \"\n",
       "t.yml:3:13: steps[0].notify: unterminated reference"},
      {"name: [t\n", "t.yml:2:1: malformed YAML"},
  };
  for (const Case& c : cases) {
    auto rb = ParseRunbook(c.yaml, "t.yml");
    ASSERT_FALSE(rb) << c.yaml;
    EXPECT_TRUE(rb.error().ToString().starts_with(c.error))
        << "got:  " << rb.error().ToString() << "\nwant: " << c.error;
  }
}

TEST(RunbookParseTest, KeepsGoingToReportEveryError) {
  std::vector<Error> all;
  auto rb = ParseRunbook("name: t\nsteps:\n  - action: nope\n  - wait: soon\n  - phase: x\n",
                         "t.yml", &all);
  ASSERT_FALSE(rb);
  EXPECT_GE(all.size(), 3u);
}

TEST(RunbookParseTest, MinimalRunbookDefaults) {
  auto rb = ParseRunbook(kMinimal, "m.yml");
  ASSERT_TRUE(rb) << rb.error().ToString();
  EXPECT_FALSE(rb->requires_approval);
  EXPECT_TRUE(rb->categories.empty());
  EXPECT_EQ(rb->steps[0].phase, "containment");
  EXPECT_EQ(rb->steps[0].on_failure, OnFailure::kStop);
  EXPECT_TRUE(Applies(*rb, "anything", LabelSet{}));
}

TEST(ShippedRunbooksTest, OnePerCategoryAllValid) {
  RunbookSet set = LoadRunbookDir(FW_RUNBOOK_DIR);
  for (const Error& e : set.errors) ADD_FAILURE() << e.ToString();
  const char* categories[] = {"db_pool_exhaustion", "memory_leak",        "slow_queries",
                              "bad_deployment",     "traffic_surge",      "instance_failure",
                              "lock_contention",    "dependency_failure", "cpu_saturation"};
  EXPECT_EQ(set.runbooks.size(), std::size(categories));
  for (const char* c : categories) {
    const Runbook* rb = set.Find(c);
    ASSERT_NE(rb, nullptr) << c;
    EXPECT_EQ(rb->file, std::string(FW_RUNBOOK_DIR) + "/" + c + ".yml");
    EXPECT_TRUE(Applies(*rb, c, LabelSet{{"service", "shop"}})) << c;
    // Containment first, recovery checks last.
    EXPECT_EQ(rb->steps.front().phase, "containment") << c;
    EXPECT_EQ(rb->steps.back().phase, "recovery") << c;
    EXPECT_EQ(rb->steps.back().kind, StepKind::kVerify) << c;
  }
}

TEST(ShippedActionsTest, ActionFilesParse) {
  for (const char* f : {"kubernetes.yml", "aws.yml"}) {
    auto a = LoadExecActions(std::string(FW_ACTIONS_DIR) + "/" + f);
    ASSERT_TRUE(a) << a.error().ToString();
    EXPECT_GE(a->actions.size(), 4u) << f;
  }
}

TEST(ExecActionsTest, RejectsUnknownActionsWithTheirLine) {
  auto a =
      ParseExecActions("actions:\n  rollback: {argv: [kubectl]}\n  reboot: {argv: [x]}\n", "a.yml");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().ToString(), "a.yml:3:3: actions.reboot: not an action runbooks can name");
}

}  // namespace
}  // namespace fw::runbook
