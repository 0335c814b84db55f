#pragma once
// Prometheus rule files: groups of alerting and recording rules.
//
//   groups:
//     - name: golden-signals
//       interval: 15s                # default: the global evaluation interval
//       labels: {team: shop}         # added to every rule's output
//       rules:
//         - alert: HighErrorRate
//           expr: sum(rate(http_requests_total{code=~"5.."}[1m])) /
//           sum(rate(http_requests_total[1m])) > 0.01 for: 1m keep_firing_for: 2m labels:
//           {severity: critical} annotations: {summary: "error rate {{ $value | humanizePercentage
//           }} (normal < 1%)"}
//         - record: job:http_errors:rate1m
//           expr: sum by (job) (rate(http_requests_total{code=~"5.."}[1m]))
//
// Parsing checks everything Prometheus checks (and promtool reports): the
// PromQL of every expr (errors point at the expression's own line and
// column in the file), templates, names, durations, duplicates. All
// problems are collected, so `firewatch check rules` lists them at once.

#include <memory>
#include <string>
#include <vector>

#include "alerting/alert_template.h"
#include "common/duration.h"
#include "common/error.h"
#include "metrics/promql/ast.h"

namespace fw::alerting {

struct TemplatedLabel {
  std::string name;
  std::string text;  // as written
  std::shared_ptr<const AlertTemplate> tmpl;
};

struct Rule {
  enum Kind { kAlert, kRecord } kind = kAlert;
  std::string name;  // alert name or recorded metric name
  std::string expr_text;
  std::shared_ptr<metrics::promql::Expr> expr;  // parsed; shared by copies of the group
  Millis for_duration{0};
  Millis keep_firing_for{0};
  std::vector<TemplatedLabel> labels;
  std::vector<TemplatedLabel> annotations;  // alerting rules only
  SourceLocation where;                     // the rule's first line
};

struct RuleGroup {
  std::string name;
  std::string file;
  Millis interval{0};  // 0: use the evaluation interval given to the evaluator
  Millis query_offset{0};
  uint64_t limit = 0;  // alerts/series per rule; 0 = unlimited
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<Rule> rules;
};

struct ParsedRules {
  std::vector<RuleGroup> groups;
  std::vector<Error> errors;  // empty: the file is valid
  size_t rule_count() const;
};

// Parses rule-file text; `source` names it in errors.
ParsedRules ParseRules(const std::string& text, const std::string& source);
// Reads and parses a file (kNotFound / kIo go to errors too).
ParsedRules LoadRuleFile(const std::string& path);

}  // namespace fw::alerting
