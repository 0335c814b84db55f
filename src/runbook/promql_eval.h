#pragma once
// Runbook helpers over PromQL and templates: a condition holds when its query
// returns a non-empty result at the instant, as an alert expression does (a
// scalar result counts when non-zero, so `vector(1)`-style and `1 > 0`
// checks behave); a query step reads labels or the value of the first result
// (results sorted by labels, so the choice is stable) into variables.
// Internal to src/runbook.

#include <map>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "runbook/execution.h"
#include "runbook/runbook.h"

namespace fw::runbook {

struct ConditionResult {
  bool holds = false;
  std::string summary;  // "no result", or "2 series; {instance=\"a\"} = 0.003"
  std::string query;    // the rendered query
};

Result<ConditionResult> EvalCondition(const metrics::promql::Queryable& metrics,
                                      const Template& expr, const Vars& vars, Timestamp at);
Result<ConditionResult> EvalCondition(const metrics::promql::Queryable& metrics,
                                      const std::string& expr, const Vars& vars, Timestamp at);

// Sets each captured variable in `vars`; returns "a=x, b=y (first of 3 results)".
Result<std::string> EvalCapture(const metrics::promql::Queryable& metrics, const Template& expr,
                                const std::map<std::string, std::string>& capture, Vars& vars,
                                Timestamp at);

// The action with its arguments rendered.
Result<ActionCall> RenderCall(const ActionTemplate& a, const Vars& vars);

// A number as people write it: 12, 0.5, 1.25e-05.
std::string FormatNumber(double v);

}  // namespace fw::runbook
