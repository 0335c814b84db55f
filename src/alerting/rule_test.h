#pragma once
// Unit tests for rule files in promtool's format (`promtool test rules`), so
// teams keep one set of tests for Prometheus and firewatch:
//
//   rule_files: [rules.yml]          # relative to the test file
//   evaluation_interval: 1m
//   tests:
//     - interval: 1m
//       input_series:
//         - series: 'up{job="api", instance="a:9100"}'
//           values: '1 1 0x10'       # promtool's expanding notation
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: InstanceDown
//           exp_alerts:               # the firing alerts at eval_time
//             - exp_labels: {severity: page, job: api, instance: "a:9100"}
//               exp_annotations: {summary: "a:9100 down"}
//       promql_expr_test:
//         - expr: sum(up)
//           eval_time: 2m
//           exp_samples: [{labels: '{}', value: 1}]
//
// Rules run on the evaluation interval from time 0 to the latest eval_time;
// alerts are compared at the last evaluation at or before each eval_time,
// as promtool does.

#include <string>
#include <vector>

#include "common/error.h"

namespace fw::alerting {

struct RuleTestReport {
  size_t tests = 0;                   // test groups run
  size_t checks = 0;                  // alert and expression checks
  size_t failures = 0;                // failed checks
  std::vector<std::string> messages;  // one per failure, readable
};

// kNotFound / kInvalidArgument (with file:line) for a test file that cannot
// be read or is malformed, or rule files that do not load.
Result<RuleTestReport> RunRuleTestFile(const std::string& path);

}  // namespace fw::alerting
