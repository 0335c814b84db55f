#include "metrics/promql/parser.h"

#include <gtest/gtest.h>

#include <limits>

namespace fw::metrics::promql {
namespace {

struct FormatCase {
  std::string_view query;
  std::string_view formatted;
};

// Query -> canonical text, as Prometheus's String() prints the parsed tree.
constexpr FormatCase kFormatCases[] = {
    {"1", "1"},
    {"-1", "-1"},
    {"+0.2", "0.2"},
    {"12.34e6", "1.234e+07"},
    {"1e-5", "1e-05"},
    {"0x1f", "31"},
    {"inF", "+Inf"},
    {"-inf", "-Inf"},
    {"nan", "NaN"},
    {"5m", "5m"},
    {"1 - -1", "1 - -1"},
    {"\"Foo\"", "\"Foo\""},
    {"'a\"b'", "\"a\\\"b\""},
    {"`\\n`", "\"\\\\n\""},
    {"foo", "foo"},
    {"foo{}", "foo"},
    {"foo:bar:sum", "foo:bar:sum"},
    {"foo{b=\"2\", a=~\"x.*\"}", "foo{a=~\"x.*\",b=\"2\"}"},
    {"{__name__=\"foo\"}", "{__name__=\"foo\"}"},
    {"{job!=\"\", a!~\"b\",}", "{a!~\"b\",job!=\"\"}"},
    {"{\"my.metric\", \"a.b\"=\"c\"}", "{\"my.metric\",\"a.b\"=\"c\"}"},
    {"foo offset 5m", "foo offset 5m"},
    {"foo offset -1h30m", "foo offset -1h30m"},
    {"foo @ 100", "foo @ 100.000"},
    {"foo @ -1.5 offset 1m", "foo @ -1.500 offset 1m"},
    {"foo offset 1m @ start()", "foo @ start() offset 1m"},
    {"foo @ end()", "foo @ end()"},
    {"foo[5m]", "foo[5m]"},
    {"foo[600]", "foo[10m]"},
    {"foo[90s] offset 1m @ 10", "foo[1m30s] @ 10.000 offset 1m"},
    {"rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]"},
    {"foo[10m:]", "foo[10m:]"},
    {"(foo)[5m:] offset 1m", "(foo)[5m:] offset 1m"},
    {"((1) / (0))", "((1) / (0))"},
    {"1 + 2 * 3", "1 + 2 * 3"},
    {"a + b * c - d", "a + b * c - d"},
    {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
    {"-2 ^ 2", "-2 ^ 2"},
    {"-foo", "-foo"},
    {"+foo", "+foo"},
    {"a or b and c", "a or b and c"},
    {"a unless on(x) b", "a unless on (x) b"},
    {"a == bool 1", "a == bool 1"},
    {"1 >= bool 2", "1 >= bool 2"},
    {"a * on(x, y) group_left(z) b", "a * on (x, y) group_left (z) b"},
    {"a * ignoring(x) group_right b", "a * ignoring (x) group_right () b"},
    {"a / on() b", "a / on () b"},
    {"a atan2 b", "a atan2 b"},
    {"a AND b", "a and b"},
    {"sum(foo)", "sum(foo)"},
    {"SUM(foo) BY (job)", "sum by (job) (foo)"},
    {"sum by (job, instance) (foo)", "sum by (job, instance) (foo)"},
    {"sum without (job) (foo)", "sum without (job) (foo)"},
    {"sum by () (foo)", "sum(foo)"},
    {"avg without () (foo)", "avg without () (foo)"},
    {"topk(5, foo)", "topk(5, foo)"},
    {"bottomk by (g) (2, foo)", "bottomk by (g) (2, foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"},
    {"count_values(\"v\", foo)", "count_values(\"v\", foo)"},
    {"count_values(((\"v\")), foo)", "count_values(((\"v\")), foo)"},
    {"limitk(2, foo)", "limitk(2, foo)"},
    {"limit_ratio(0.5, foo)", "limit_ratio(0.5, foo)"},
    {"group(foo) by (sum)", "group by (sum) (foo)"},
    {"sum(rate(http_requests_total{job=\"api\"}[5m])) by (code)",
     "sum by (code) (rate(http_requests_total{job=\"api\"}[5m]))"},
    {"histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
     "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))"},
    {"label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")",
     "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")"},
    {"label_join(up, \"a\", \",\", \"b\", \"c\", \"d\")",
     "label_join(up, \"a\", \",\", \"b\", \"c\", \"d\")"},
    {"round(foo)", "round(foo)"},
    {"round(foo, 5)", "round(foo, 5)"},
    {"time()", "time()"},
    {"pi()", "pi()"},
    {"hour()", "hour()"},
    {"vector(1,)", "vector(1)"},
    {"sort_by_label(foo, \"a\", \"b\")", "sort_by_label(foo, \"a\", \"b\")"},
    {"clamp(foo, 0, 1)", "clamp(foo, 0, 1)"},
    {"time() - 5m", "time() - 5m"},
    {"foo # comment\n + bar", "foo + bar"},
    // Experimental syntax the conformance suite uses.
    {"increase(foo[5m] anchored)", "increase(foo[5m] anchored)"},
    {"rate(foo[1m] offset 1m smoothed)", "rate(foo[1m] offset 1m smoothed)"},
    {"foo @ 100 smoothed", "foo @ 100.000 smoothed"},
    {"info(up, {data=~\".*\"})", "info(up, {data=~\".*\"})"},
    {"histogram_quantiles(h, \"q\", 0.5, 0.9)", "histogram_quantiles(h, \"q\", 0.5, 0.9)"},
    {"min_of(step(), 1)", "min_of(step(), 1)"},
};

TEST(ParserTest, FormatsCanonically) {
  for (const auto& c : kFormatCases) {
    auto e = ParseExpr(c.query);
    ASSERT_TRUE(e) << c.query << ": " << e.error().ToString();
    EXPECT_EQ(Format(**e), c.formatted) << c.query;
    // The canonical form parses back to itself.
    auto again = ParseExpr(Format(**e));
    ASSERT_TRUE(again) << Format(**e) << ": " << again.error().ToString();
    EXPECT_EQ(Format(**again), c.formatted) << c.query;
  }
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  auto e = ParseExpr("1 + 2 * 3 ^ 2 ^ 2");
  ASSERT_TRUE(e);
  const auto& add = (*e)->As<BinaryExpr>();
  ASSERT_EQ(add.op, BinaryOp::kAdd);
  const auto& mul = add.rhs->As<BinaryExpr>();
  ASSERT_EQ(mul.op, BinaryOp::kMul);
  const auto& pow = mul.rhs->As<BinaryExpr>();
  ASSERT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_EQ(pow.rhs->kind, NodeKind::kBinary);  // right-associative
  EXPECT_EQ(pow.lhs->kind, NodeKind::kNumber);

  auto sub = ParseExpr("a - b - c");  // left-associative
  ASSERT_TRUE(sub);
  EXPECT_EQ((*sub)->As<BinaryExpr>().lhs->kind, NodeKind::kBinary);

  auto neg = ParseExpr("-a ^ 2");  // unary binds looser than ^
  ASSERT_TRUE(neg);
  EXPECT_EQ((*neg)->kind, NodeKind::kUnary);
  auto neg2 = ParseExpr("-a * 2");  // ... and tighter than *
  ASSERT_TRUE(neg2);
  EXPECT_EQ((*neg2)->kind, NodeKind::kBinary);
  EXPECT_EQ((*neg2)->As<BinaryExpr>().lhs->kind, NodeKind::kUnary);

  auto cmp = ParseExpr("a > b or c < d and e");
  ASSERT_TRUE(cmp);
  EXPECT_EQ((*cmp)->As<BinaryExpr>().op, BinaryOp::kOr);
}

TEST(ParserTest, NodeDetails) {
  auto e = ParseExpr("sum by (job) (rate(foo{a=\"b\"}[5m] offset 1m @ 100))");
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)->type(), ValueType::kVector);
  const auto& agg = (*e)->As<AggregateExpr>();
  EXPECT_EQ(agg.op, AggregateOp::kSum);
  EXPECT_EQ(agg.grouping, std::vector<std::string>{"job"});
  const auto& call = agg.expr->As<Call>();
  EXPECT_EQ(call.func->name, "rate");
  const auto& m = call.args[0]->As<MatrixSelector>();
  EXPECT_EQ(m.range_ms, 300000);
  EXPECT_EQ(m.selector->offset_ms, 60000);
  EXPECT_EQ(m.selector->at.kind, AtKind::kTimestamp);
  EXPECT_EQ(m.selector->at.timestamp_ms, 100000);
  ASSERT_EQ(m.selector->matchers.size(), 2u);
  EXPECT_EQ(m.selector->matchers[0].name, "__name__");
  EXPECT_EQ(m.selector->matchers[0].value, "foo");
  EXPECT_EQ(m.selector->matchers[1].name, "a");
  EXPECT_EQ(m.pos.start, 19);
  EXPECT_EQ(Children(**e).size(), 1u);

  auto b = ParseExpr("a + on(x) group_left(y) b");
  ASSERT_TRUE(b);
  const auto& bin = (*b)->As<BinaryExpr>();
  ASSERT_TRUE(bin.matching);
  EXPECT_EQ(bin.matching->card, Cardinality::kManyToOne);
  EXPECT_TRUE(bin.matching->on);
  EXPECT_EQ(bin.matching->include, std::vector<std::string>{"y"});

  auto set = ParseExpr("a and b");
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->As<BinaryExpr>().matching->card, Cardinality::kManyToMany);

  auto scalar = ParseExpr("1 + time()");
  ASSERT_TRUE(scalar);
  EXPECT_EQ((*scalar)->type(), ValueType::kScalar);
  EXPECT_FALSE((*scalar)->As<BinaryExpr>().matching);

  auto sq = ParseExpr("max_over_time(deriv(rate(x[1m])[5m:30s])[10m:])");
  ASSERT_TRUE(sq);
  EXPECT_EQ((*sq)->As<Call>().args[0]->kind, NodeKind::kSubquery);
  EXPECT_EQ((*sq)->As<Call>().args[0]->As<SubqueryExpr>().step_ms, 0);
}

TEST(ParserTest, KeywordsAsLabelNames) {
  auto e = ParseExpr("sum by (by, on, offset) (foo{bool=\"1\", and=\"x\"})");
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(Format(**e), "sum by (by, on, offset) (foo{and=\"x\",bool=\"1\"})");
}

TEST(ParserTest, SeriesSelector) {
  auto s = ParseSeriesSelector("up{job=~\"api|web\"}");
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->name, "up");
  EXPECT_EQ((*s)->matchers.size(), 2u);
  EXPECT_TRUE(ParseSeriesSelector("{__name__=~\"a.*\"}"));
  EXPECT_FALSE(ParseSeriesSelector("up[5m]"));
  EXPECT_FALSE(ParseSeriesSelector("rate(up[5m])"));
  EXPECT_FALSE(ParseSeriesSelector("up + 1"));
  EXPECT_FALSE(ParseSeriesSelector("{}"));
}

TEST(ParserTest, DurationHelper) {
  EXPECT_EQ(*ParseDurationPromql("1h30m"), 5400000);
  EXPECT_EQ(*ParseDurationPromql("0"), 0);
  EXPECT_EQ(*ParseDurationPromql("1.5"), 1500);
  EXPECT_EQ(*ParseDurationPromql("250ms"), 250);
  EXPECT_EQ(*ParseDurationPromql("-5m"), -300000);
  EXPECT_FALSE(ParseDurationPromql("5x"));
  EXPECT_FALSE(ParseDurationPromql(""));
  EXPECT_FALSE(ParseDurationPromql("Inf"));
}

TEST(ParserTest, FormatFloatMatchesGo) {
  EXPECT_EQ(FormatFloat(1), "1");
  EXPECT_EQ(FormatFloat(0.1), "0.1");
  EXPECT_EQ(FormatFloat(100000), "100000");
  EXPECT_EQ(FormatFloat(1e6), "1e+06");
  EXPECT_EQ(FormatFloat(123456789), "1.23456789e+08");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001234), "1.234e-05");
  EXPECT_EQ(FormatFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatFloat(1e100), "1e+100");
}

TEST(ParserTest, FormatFloatFixedMatchesGoF) {
  EXPECT_EQ(FormatFloatFixed(1), "1");
  EXPECT_EQ(FormatFloatFixed(0.1), "0.1");
  EXPECT_EQ(FormatFloatFixed(1e6), "1000000");
  EXPECT_EQ(FormatFloatFixed(0.00001234), "0.00001234");
  EXPECT_EQ(FormatFloatFixed(-2.5), "-2.5");
  EXPECT_EQ(FormatFloatFixed(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatFloatFixed(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatFixed(5e-324), "0." + std::string(323, '0') + "5");
  EXPECT_EQ(FormatFloatFixed(-0.0), "-0");
  EXPECT_EQ(FormatFloatFixed(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatFloatFixed(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatFixed(std::numeric_limits<double>::max()).size(), 309u);
}

}  // namespace
}  // namespace fw::metrics::promql

namespace fw::metrics::promql {
namespace {

TEST(DurationExpressionTest, ConstantsFold) {
  struct Case {
    std::string_view query;
    std::string_view formatted;
  } cases[] = {
      {"changes(x[26m+4m])", "changes(x[30m])"},
      {"changes(x[2m*(10+5)])", "changes(x[30m])"},
      {"changes(x[1h30m % 1h])", "changes(x[30m])"},
      {"changes(x[-5m+35m])", "changes(x[30m])"},
      {"sum_over_time(x[29s+1s:20*500ms] offset (100 + 2))",
       "sum_over_time(x[30s:10s] offset 1m42s)"},
      {"x offset -(2 * 2)", "x offset -4s"},
      {"x offset 100 + 2", "x offset 1m40s + 2"},  // only an atom binds to offset
      {"x offset -2 ^ 2", "x offset -2s ^ 2"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.query);
    ASSERT_TRUE(e) << c.query << ": " << e.error().ToString();
    EXPECT_EQ(Format(**e), c.formatted) << c.query;
  }
}

TEST(DurationExpressionTest, QueryDependentDurationsResolve) {
  auto e = ParseExpr("count_over_time(x[STEP()+1ms]) + (y offset -min_of(step(), 1s))");
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(Format(**e), "count_over_time(x[step() + 1ms]) + (y offset -min_of(step(), 1s))");
  const auto& b = (*e)->As<BinaryExpr>();
  const auto& m = b.lhs->As<Call>().args[0]->As<MatrixSelector>();
  ASSERT_TRUE(m.range_expr);
  ASSERT_TRUE(ResolveDurations(**e, 10000, 60000));
  EXPECT_EQ(m.range_ms, 10001);
  const auto& v = b.rhs->As<ParenExpr>().expr->As<VectorSelector>();
  EXPECT_EQ(v.offset_ms, -1000);

  auto sq = ParseExpr("x[range():step()] offset step()");
  ASSERT_TRUE(sq) << sq.error().ToString();
  EXPECT_EQ(Format(**sq), "x[range():step()] offset step()");
  ASSERT_TRUE(ResolveDurations(**sq, 5000, 30000));
  const auto& s = (*sq)->As<SubqueryExpr>();
  EXPECT_EQ(s.range_ms, 30000);
  EXPECT_EQ(s.step_ms, 5000);
  EXPECT_EQ(s.offset_ms, 5000);

  auto zero = ParseExpr("x[range()]");
  ASSERT_TRUE(zero);
  EXPECT_FALSE(ResolveDurations(**zero, 0, 0));  // an instant query has range() 0
}

TEST(DurationExpressionTest, Errors) {
  EXPECT_FALSE(ParseExpr("x[foo]"));
  EXPECT_FALSE(ParseExpr("x[5m-5m]"));
  EXPECT_FALSE(ParseExpr("x[1/0]"));
  EXPECT_FALSE(ParseExpr("x[time()]"));
  EXPECT_FALSE(ParseExpr("x[min_of(1m)]"));
  EXPECT_FALSE(ParseExpr("x[1m:-1m]"));
}

}  // namespace
}  // namespace fw::metrics::promql

namespace fw::metrics::promql {
namespace {

TEST(FillModifierTest, ParsesAndFormats) {
  struct Case {
    std::string_view query;
    std::string_view formatted;
  } cases[] = {
      {"a + fill(0) b", "a + fill(0) b"},
      {"a + fill_left(5) fill_right(7) b", "a + fill_left(5) fill_right(7) b"},
      {"a == bool fill(-Inf) b", "a == bool fill(-Inf) b"},
      {"a * on(x) group_left fill_right(1) b", "a * on (x) group_left () fill_right(1) b"},
      {"fill + fill(0) other", "fill + fill(0) other"},
      {"other + fill", "other + fill"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.query);
    ASSERT_TRUE(e) << c.query << ": " << e.error().ToString();
    EXPECT_EQ(Format(**e), c.formatted) << c.query;
  }
  auto e = ParseExpr("a - fill_left(2) b");
  ASSERT_TRUE(e);
  const auto& m = *(*e)->As<BinaryExpr>().matching;
  EXPECT_EQ(m.fill_left, 2);
  EXPECT_FALSE(m.fill_right);
  EXPECT_FALSE(ParseExpr("a + fill(0) fill_left(1) b"));
  EXPECT_FALSE(ParseExpr("a and fill(0) b"));
  EXPECT_FALSE(ParseExpr("1 + fill(0) b"));
  EXPECT_FALSE(ParseExpr("a + fill(x) b"));
}

}  // namespace
}  // namespace fw::metrics::promql
