#include <gtest/gtest.h>

#include "metrics/promql/parser.h"

namespace fw::metrics::promql {
namespace {

struct ErrorCase {
  std::string_view query;
  std::string_view message;  // substring of the error message
  int column;                // 1-based
  int line = 1;
};

constexpr ErrorCase kErrorCases[] = {
    {"", "no expression found in input", 1},
    {"rate(foo)", "expected type range vector in call to function \"rate\", got instant vector", 6},
    {"abs(foo[5m])", "expected type instant vector in call to function \"abs\", got range vector",
     5},
    {"foo + ", "unexpected end of input", 7},
    {"foo{a=\"b\"", "unexpected end of input in label matching", 10},
    {"foo{a=1}", "in label matching, expected string", 7},
    {"foo{a}", "expected label matching operator", 6},
    {"{}", "vector selector must contain at least one non-empty matcher", 1},
    {"{a=\"\"}", "at least one non-empty matcher", 1},
    {"{a=~\".*\"}", "at least one non-empty matcher", 1},
    {"foo{a=~\"(\"}", "invalid regular expression", 8},
    {"foo{__name__=\"bar\"}", "metric name must not be set twice", 1},
    {"\"a\" + 1", "binary expression must contain only scalar and instant vector types", 1},
    {"foo[5m] + 1", "binary expression must contain only scalar and instant vector types", 1},
    {"1 and 2", "set operator \"and\" not allowed in binary scalar expression", 3},
    {"foo or 1", "set operator \"or\" not allowed in binary scalar expression", 5},
    {"foo + bool bar", "bool modifier can only be used on comparison operators", 5},
    {"1 == 1", "comparisons between scalars must use BOOL modifier", 3},
    {"1 + on(a) foo", "vector matching only allowed between instant vectors", 1},
    {"a and on(x) group_left b", "no grouping allowed for \"and\" operation", 3},
    {"a * on(x) group_left(x) b", "label \"x\" must not occur in ON and GROUP clause at once", 3},
    {"-\"a\"", "unary expression only allowed on expressions of type scalar or instant vector", 1},
    {"-foo[5m]", "unary expression only allowed", 1},
    {"sum(foo[5m])", "expected type instant vector in aggregation expression, got range vector", 5},
    {"topk(foo)", "wrong number of arguments for aggregate expression provided, expected 2, got 1",
     1},
    {"sum(1, foo)",
     "wrong number of arguments for aggregate expression provided, expected 1, got 2", 1},
    {"sum()", "no arguments for aggregate expression provided", 1},
    {"topk(\"a\", foo)", "expected type scalar in aggregation parameter, got string", 6},
    {"count_values(1, foo)", "expected type string in aggregation parameter, got scalar", 14},
    {"nosuchfn(foo)", "unknown function with name \"nosuchfn\"", 1},
    {"time(1)", "expected 0 argument(s) in call to \"time\", got 1", 1},
    {"clamp(foo, 1)", "expected 3 argument(s) in call to \"clamp\", got 2", 1},
    {"round(foo, 1, 2)", "expected at most 2 argument(s) in call to \"round\", got 3", 1},
    {"label_join(foo, \"a\")", "expected at least 3 argument(s) in call to \"label_join\", got 2",
     1},
    {"label_join(foo, \"a\", \",\", 1)",
     "expected type string in call to function \"label_join\", got scalar", 27},
    {"histogram_quantile(foo, bar)",
     "expected type scalar in call to function \"histogram_quantile\", got instant vector", 20},
    {"(foo)[5m]", "ranges only allowed for vector selectors", 1},
    {"foo[5m][5m]", "ranges only allowed for vector selectors", 1},
    {"foo[5m][10m:]", "subquery is only allowed on instant vector, got range vector", 1},
    {"\"x\"[5m:]", "subquery is only allowed on instant vector, got string", 1},
    {"foo offset 5m offset 1m", "offset may not be set multiple times", 15},
    {"foo offset 5m [5m]", "no offset modifiers allowed before range", 15},
    {"rate(foo[5m]) offset 5m", "offset modifier must be preceded by an instant vector selector",
     15},
    {"foo @ 1 @ 2", "@ <timestamp> may not be set multiple times", 9},
    {"sum(foo) @ 100", "@ modifier must be preceded by an instant vector selector", 10},
    {"foo @ Inf", "timestamp out of bounds for @ modifier", 7},
    {"foo[5x]", "bad number or duration syntax", 5},
    {"foo[]", "unexpected \"]\" in range, expected duration", 5},
    {"foo[5m", "unexpected end of input in range selector", 7},
    {"(foo", "unexpected end of input in parenthesized expression", 5},
    {"foo)", "unexpected right parenthesis", 4},
    {"foo bar", "unexpected identifier \"bar\" after expression", 5},
    {"by", "unexpected identifier \"by\"", 1},
    {"sum by (a) (foo) by (b)", "grouping given twice", 18},
    {"sum by (a:b) (foo)", "invalid label name \"a:b\"", 9},
    {"foo\n  + \n  rate(bar)", "expected type range vector in call to function \"rate\"", 8, 3},
    {"\"unterminated", "unterminated quoted string", 1},
    {"deriv(foo[3m] smoothed)",
     "smoothed modifier can only be used with: delta, increase, rate - not with deriv", 7},
    {"max_over_time(foo[3m] anchored)",
     "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with "
     "max_over_time",
     15},
    {"foo[1m] anchored smoothed",
     "unexpected identifier \"smoothed\" after anchored or smoothed modifier", 18},
    {"info(up, sum({data=~\".*\"}))", "at least one non-empty matcher", 14},
    {"histogram_quantiles(h, \"q\")",
     "expected at least 3 argument(s) in call to \"histogram_quantiles\", got 2", 1},
};

TEST(ParserErrorTest, MessagesAndPositions) {
  for (const auto& c : kErrorCases) {
    auto e = ParseExpr(c.query);
    ASSERT_FALSE(e) << c.query << " parsed as " << Format(**e);
    const Error& err = e.error();
    EXPECT_EQ(err.code(), ErrorCode::kInvalidArgument) << c.query;
    EXPECT_NE(err.message().find(c.message), std::string::npos)
        << c.query << "\n  got: " << err.message() << "\n want: " << c.message;
    EXPECT_EQ(err.where().column, c.column) << c.query << ": " << err.ToString();
    EXPECT_EQ(err.where().line, c.line) << c.query << ": " << err.ToString();
  }
}

TEST(ParserErrorTest, ExperimentalFunctionsCanBeGated) {
  ParseOptions strict;
  strict.allow_experimental_functions = false;
  auto e = ParseExpr("mad_over_time(foo[5m])", strict);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("is not enabled"), std::string::npos);
  EXPECT_TRUE(ParseExpr("mad_over_time(foo[5m])"));
  EXPECT_TRUE(ParseExpr("rate(foo[5m])", strict));
}

TEST(ParserErrorTest, ErrorTextIsPrintable) {
  auto e = ParseExpr("sum(foo[5m])");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().ToString(),
            "line 1, column 5: expected type instant vector in aggregation expression, got range "
            "vector");
}

}  // namespace
}  // namespace fw::metrics::promql
