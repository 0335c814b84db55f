#include "alerting/rule_file.h"

#include <gtest/gtest.h>

namespace fw::alerting {
namespace {

// The first error of `text` as "line:col: message".
std::string FirstError(const std::string& text) {
  ParsedRules p = ParseRules(text, "r.yml");
  if (p.errors.empty()) return "ok";
  const Error& e = p.errors.front();
  return std::to_string(e.where().line) + ":" + std::to_string(e.where().column) + ": " +
         e.message();
}

TEST(RuleFileTest, ParsesAlertingAndRecordingRules) {
  ParsedRules p = ParseRules(R"(groups:
  - name: g
    interval: 30s
    limit: 10
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {team: sre}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} down"}
)",
                             "r.yml");
  ASSERT_TRUE(p.errors.empty()) << p.errors.front().ToString();
  ASSERT_EQ(p.groups.size(), 1u);
  const RuleGroup& g = p.groups[0];
  EXPECT_EQ(g.interval, std::chrono::seconds(30));
  EXPECT_EQ(g.limit, 10u);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].kind, Rule::kRecord);
  EXPECT_EQ(g.rules[1].for_duration, std::chrono::minutes(5));
  EXPECT_EQ(g.rules[1].keep_firing_for, std::chrono::minutes(1));
  EXPECT_EQ(g.rules[1].where.line, 9);
  EXPECT_EQ(p.rule_count(), 2u);
  EXPECT_TRUE(ParseRules("", "empty.yml").errors.empty()) << "an empty file holds no rules";
}

TEST(RuleFileTest, ErrorsNameLineColumnAndField) {
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: "
                       "sum(rate(x[5m])\n"),
            "5:15: groups[0].rules[0].expr: column 16 of the expression: unexpected end "
            "of input in argument list, expected \",\" or \")\"");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n"),
            "4:9: groups[0].rules[0].expr: required");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n"
                       "        expr: up\n"),
            "4:9: groups[0].rules[0]: a rule needs exactly one of \"alert\" and \"record\"");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n"
                       "        expr: up\n"),
            "4:17: groups[0].rules[0].record: invalid recording rule name \"bad name\"");
  EXPECT_EQ(
      FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                 "        fro: 5m\n"),
      "6:9: groups[0].rules[0].fro: unknown field (expected one of: alert, annotations, expr, "
      "for, keep_firing_for, labels, record)");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                       "        for: 5x\n"),
            "6:14: groups[0].rules[0].for: invalid duration \"5x\": unknown unit \"x\" (expected "
            "e.g. 90s, 5m, 1h30m, 250ms)");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n  - name: g\n"),
            "3:5: groups[1].name: group name \"g\" is repeated in the same file");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                       "        annotations: {s: '{{ $nope }}'}\n"),
            "6:26: groups[0].rules[0].annotations.s: template: undefined variable \"$nope\" (at "
            "character 4)");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                       "        labels: {__x: y}\n"),
            "6:18: groups[0].rules[0].labels.__x: label name \"__x\" is reserved");
  EXPECT_EQ(FirstError("groups:\n  - name: g\n    rules:\n      - alert: A\n"
                       "        expr: rate(x[5m])[10m:]\n"),
            "5:15: groups[0].rules[0].expr: the expression must give an instant vector or a "
            "scalar");
  EXPECT_EQ(FirstError("groups: [\n"), "2:1: malformed YAML: end of sequence flow not found");
}

TEST(RuleFileTest, CollectsEveryError) {
  ParsedRules p = ParseRules(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: up ==
      - record: r
        expr: up
        for: 1m
)",
                             "r.yml");
  EXPECT_EQ(p.errors.size(), 2u);
}

}  // namespace
}  // namespace fw::alerting
