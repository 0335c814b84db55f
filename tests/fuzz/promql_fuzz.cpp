// Fuzz target for the PromQL parser: any bytes give a syntax tree or an
// error with a line and column inside the query; a tree prints (Format) as
// text that parses again; nesting past the depth limit is
// refused, never a stack overflow. Also the series-selector and duration
// parsers of the HTTP API, on the same bytes.

#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "metrics/promql/ast.h"
#include "metrics/promql/parser.h"

FW_FUZZ_TARGET(promql) {
  namespace promql = fw::metrics::promql;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  auto expr = promql::ParseExpr(query);
  if (!expr) {
    FW_FUZZ_CHECK(!expr.error().message().empty());
    FW_FUZZ_CHECK(expr.error().where().line >= 1 && expr.error().where().column >= 1);
  } else {
    // What prints parses again. (Not always to the same text: a number
    // literal +Inf under unary minus prints as "--+Inf ^ 2", whose "+" then
    // parses as an operator; Prometheus's String() does the same.)
    const std::string printed = promql::Format(**expr);
    auto again = promql::ParseExpr(printed);
    FW_FUZZ_CHECK(again.has_value());
    FW_FUZZ_CHECK(promql::ParseExpr(promql::Format(**again)).has_value());
  }
  (void)promql::ParseSeriesSelector(query);
  (void)promql::ParseDurationPromql(query);
  return 0;
}
