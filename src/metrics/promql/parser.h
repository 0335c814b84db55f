#pragma once
// PromQL parser: query text -> type-checked syntax tree (ast.h).
//
// Follows Prometheus 3.x: precedence (lowest first) or; and unless;
// comparisons; + -; * / % atan2; ^ (right-associative); unary +/- binds
// looser than ^ but tighter than *, so -2^2 is -4. Numbers may be written
// as durations (5m == 300) and durations as numbers of seconds ([300]).
// Calls, aggregations and operators are checked the way Prometheus checks
// them, with its messages ("expected type range vector in call to function
// \"rate\", got instant vector").
//
// Experimental syntax the conformance suite uses is accepted too: duration
// arithmetic (`x[5m+1m]`, `x offset step()`; see ast.h), `anchored` and
// `smoothed` range modifiers, and fill()/fill_left()/fill_right() on binary
// operators. Not supported: the native-histogram trim operators </ and >/.
//
// Errors are ErrorCode::kInvalidArgument with SourceLocation line/column
// (1-based, file empty) pointing into the query.

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/error.h"
#include "metrics/promql/ast.h"
#include "metrics/promql/limits.h"

namespace fw::metrics::promql {

struct ParseOptions {
  // Prometheus gates these behind --enable-feature=promql-experimental-functions;
  // the conformance suite turns it on, so do we by default.
  bool allow_experimental_functions = true;
  // Deepest nesting accepted (limits.h); deeper queries fail with
  // "expression nested deeper than N levels" at the offending token.
  int max_depth = kDefaultMaxDepth;
};

Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options = {});

// A metric selector alone (`up{job="x"}`, `{__name__=~"a.*"}`), as the HTTP
// API's match[] takes it. Fails on anything else, e.g. a range or operator.
Result<std::unique_ptr<VectorSelector>> ParseSeriesSelector(std::string_view selector);

// A duration as PromQL and the HTTP API write it: "1h30m", "250ms", "0", or
// a number of seconds ("1.5", "300"). Returns milliseconds; may be negative
// only when written with a leading '-'.
Result<int64_t> ParseDurationPromql(std::string_view text);

}  // namespace fw::metrics::promql
