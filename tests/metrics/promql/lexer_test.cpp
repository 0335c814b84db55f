#include "metrics/promql/lexer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fw::metrics::promql {
namespace {

std::vector<TokenKind> Kinds(std::string_view q) {
  auto toks = Lex(q);
  EXPECT_TRUE(toks.has_value()) << q;
  std::vector<TokenKind> out;
  if (toks) {
    for (const auto& t : *toks) out.push_back(t.kind);
  }
  return out;
}

TEST(LexerTest, OperatorsAndBrackets) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("( ) { } [ ] , @ = =~ !~ + - * / % ^ == != < > <= >="),
            (std::vector<K>{K::kLeftParen,   K::kRightParen,   K::kLeftBrace, K::kRightBrace,
                            K::kLeftBracket, K::kRightBracket, K::kComma,     K::kAt,
                            K::kAssign,      K::kEqlRegex,     K::kNeqRegex,  K::kAdd,
                            K::kSub,         K::kMul,          K::kDiv,       K::kMod,
                            K::kPow,         K::kEql,          K::kNeq,       K::kLss,
                            K::kGtr,         K::kLte,          K::kGte,       K::kEof}));
}

TEST(LexerTest, Numbers) {
  struct Case {
    std::string_view text;
    double value;
  } cases[] = {{"1", 1},       {"1.5", 1.5},  {".2", 0.2},  {"2.", 2},    {"12.34e6", 12.34e6},
               {"1e-3", 1e-3}, {"1E+2", 100}, {"0x1f", 31}, {"0XFF", 255}};
  for (const auto& c : cases) {
    auto toks = Lex(c.text);
    ASSERT_TRUE(toks) << c.text;
    ASSERT_EQ((*toks)[0].kind, TokenKind::kNumber) << c.text;
    EXPECT_DOUBLE_EQ((*toks)[0].number, c.value) << c.text;
    EXPECT_EQ((*toks)[1].kind, TokenKind::kEof) << c.text;
  }
}

TEST(LexerTest, Durations) {
  struct Case {
    std::string_view text;
    int64_t ms;
  } cases[] = {{"5m", 300000},      {"1h30m", 5400000},   {"250ms", 250},
               {"1y", 31536000000}, {"2w3d", 1468800000}, {"90s", 90000}};
  for (const auto& c : cases) {
    auto toks = Lex(c.text);
    ASSERT_TRUE(toks) << c.text;
    ASSERT_EQ((*toks)[0].kind, TokenKind::kDuration) << c.text;
    EXPECT_EQ((*toks)[0].millis, c.ms) << c.text;
  }
  EXPECT_FALSE(Lex("5x"));
  EXPECT_FALSE(Lex("1m1h"));  // units must go largest first
  EXPECT_FALSE(Lex("1.5m"));
}

TEST(LexerTest, Strings) {
  struct Case {
    std::string_view text;
    std::string value;
  } cases[] = {{R"("a\"b")", "a\"b"},     {R"('a\'b')", "a'b"},
               {R"("\n\t\\")", "\n\t\\"}, {"`raw \\n`", "raw \\n"},
               {R"("\x41\101")", "AA"},   {R"("\u00e9")", "\xc3\xa9"},
               {R"("a\xc5z")", "a\xc5z"}, {"``", ""}};
  for (const auto& c : cases) {
    auto toks = Lex(c.text);
    ASSERT_TRUE(toks) << c.text;
    ASSERT_EQ((*toks)[0].kind, TokenKind::kString) << c.text;
    EXPECT_EQ((*toks)[0].text, c.value) << c.text;
  }
  EXPECT_FALSE(Lex(R"("abc)"));
  EXPECT_FALSE(Lex("\"a\nb\""));
  EXPECT_FALSE(Lex(R"("\q")"));
}

TEST(LexerTest, IdentifiersColonsAndComments) {
  auto toks = Lex("job:rate5m:sum # a comment\n offset");
  ASSERT_TRUE(toks);
  ASSERT_EQ(toks->size(), 3u);
  EXPECT_EQ((*toks)[0].text, "job:rate5m:sum");
  EXPECT_EQ((*toks)[1].text, "offset");
  // Inside brackets a colon separates the subquery range from its step.
  using K = TokenKind;
  EXPECT_EQ(Kinds("x[5m:1m]"),
            (std::vector<K>{K::kIdentifier, K::kLeftBracket, K::kDuration, K::kColon, K::kDuration,
                            K::kRightBracket, K::kEof}));
}

TEST(LexerTest, ErrorsCarryLineAndColumn) {
  auto r = Lex("foo +\n  bar ! baz");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where().line, 2);
  EXPECT_EQ(r.error().where().column, 7);
  auto s = Lex("a $");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().where().column, 3);
  EXPECT_NE(s.error().message().find("unexpected character"), std::string::npos);
}

TEST(LexerTest, NumberLiteralHelper) {
  EXPECT_TRUE(std::isinf(*ParseNumberLiteral("+Inf")));
  EXPECT_LT(*ParseNumberLiteral("-inf"), 0);
  EXPECT_TRUE(std::isnan(*ParseNumberLiteral("NaN")));
  EXPECT_DOUBLE_EQ(*ParseNumberLiteral("-0.2e-6"), -0.2e-6);
  EXPECT_FALSE(ParseNumberLiteral("1e"));
  EXPECT_FALSE(ParseNumberLiteral("abc"));
  EXPECT_FALSE(ParseNumberLiteral(""));
}

}  // namespace
}  // namespace fw::metrics::promql
