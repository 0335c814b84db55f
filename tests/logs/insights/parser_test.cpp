// Parser details the data files cannot show: the rendered caret, column
// names, and how '/' is read.
#include "logs/insights/parser.h"

#include <gtest/gtest.h>

#include "logs/insights/executor.h"

namespace fw::logs::insights {
namespace {

TEST(ParserTest, ErrorShowsTheLineAndACaret) {
  auto q = ParseQuery("fields a\n| filter strlenx(a) > 1");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(q.error().where().line, 2);
  EXPECT_EQ(q.error().where().column, 10);
  EXPECT_EQ(q.error().ToString(),
            "query:2:10: unknown function \"strlenx\"\n"
            "  | filter strlenx(a) > 1\n"
            "           ^");
}

TEST(ParserTest, CaretAtEndOfQuery) {
  auto q = ParseQuery("filter a =");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().ToString(),
            "query:1:11: expected an expression, got end of query\n"
            "  filter a =\n"
            "            ^");
}

TEST(ParserTest, UnaliasedColumnsAreNamedByTheirText) {
  auto q = ParseQuery("stats count(*), avg(latency_ms)  by bin(5m), route | fields x");
  ASSERT_TRUE(q) << q.error().ToString();
  const Command& s = q->commands[0];
  ASSERT_EQ(s.items.size(), 2u);
  EXPECT_EQ(s.items[0].name, "count(*)");
  EXPECT_EQ(s.items[1].name, "avg(latency_ms)");
  EXPECT_EQ(s.by[0].name, "bin(5m)");
  EXPECT_EQ(s.by[1].name, "route");
  EXPECT_EQ(s.aggregates.size(), 2u);
  EXPECT_EQ(ResultColumns(*q), (std::vector<std::string>{"x"}));
}

TEST(ParserTest, SlashIsDivisionAfterAnOperandAndARegexBefore) {
  auto q =
      ParseQuery("fields a / 2 / b as r | filter @message like /a\\/b/ | parse @message /(?<x>y)/");
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->commands[0].items[0].expr->op, Op::kDiv);
  EXPECT_EQ(q->commands[1].condition->args[1]->kind, ExprKind::kRegex);
  EXPECT_EQ(q->commands[2].captures, (std::vector<std::string>{"x"}));
}

TEST(ParserTest, PrecedenceAndGrouping) {
  auto q = ParseQuery("filter a = 1 or b = 2 and not c = 3");
  ASSERT_TRUE(q);
  const Expr& e = *q->commands[0].condition;
  EXPECT_EQ(e.op, Op::kOr);
  EXPECT_EQ(e.args[1]->op, Op::kAnd);
  EXPECT_EQ(e.args[1]->args[1]->op, Op::kNot);
  EXPECT_EQ(e.text, "a = 1 or b = 2 and not c = 3");
}

TEST(ParserTest, KeywordsAreCaseInsensitiveFieldsAreNot) {
  auto q = ParseQuery("FILTER Level = 'x' AND level NOT IN ['y'] | SORT Level DESC | LIMIT 3");
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->commands[0].condition->args[0]->args[0]->name, "Level");
  EXPECT_TRUE(q->commands[1].keys[0].desc);
  EXPECT_EQ(q->commands[2].limit, 3);
}

TEST(ParserTest, StringEscapes) {
  auto q = ParseQuery(R"(filter a = "q\"t\\n\t" or a = 'it\'s')");
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->commands[0].condition->args[0]->args[1]->literal.str(), "q\"t\\n\t");
  EXPECT_EQ(q->commands[0].condition->args[1]->args[1]->literal.str(), "it's");
}

}  // namespace
}  // namespace fw::logs::insights
