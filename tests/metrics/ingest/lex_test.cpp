// Token-level checks: values, both timestamp flavours, names and UTF-8.

#include "metrics/ingest/lex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace fw::metrics::ingest::lex {
namespace {

TEST(LexTest, ParseValueAcceptsNumbersAndSpecialNames) {
  struct Case {
    const char* in;
    double want;
  } cases[] = {
      {"0", 0},
      {"-0.5", -0.5},
      {"+3", 3},
      {"1e3", 1000},
      {"1E-2", 0.01},
      {".5", 0.5},
      {"5.", 5},
      {"+Inf", INFINITY},
      {"-inf", -INFINITY},
      {"Infinity", INFINITY},
      {"-INFINITY", -INFINITY},
      {"1e-400", 0},
      {"1.7976931348623157e308", 1.7976931348623157e308},
  };
  for (const auto& c : cases) {
    double v = -1;
    EXPECT_TRUE(ParseValue(c.in, &v)) << c.in;
    EXPECT_EQ(v, c.want) << c.in;
  }
  double v = 0;
  EXPECT_TRUE(ParseValue("NaN", &v));
  EXPECT_TRUE(std::isnan(v));
  EXPECT_TRUE(ParseValue("nan", &v));
}

TEST(LexTest, ParseValueRejectsJunk) {
  for (const char* in : {"", "+", "-", ".", "e5", "1e", "1x", "0x1p3", "1_000", "--1", "+-1",
                         "+NaN", "-nan", "nan(1)", "inff", "1e999", "-1e999", " 1", "1 "}) {
    double v = 0;
    EXPECT_FALSE(ParseValue(in, &v)) << '"' << in << '"';
  }
}

TEST(LexTest, ParseMillis) {
  int64_t ms = 0;
  EXPECT_TRUE(ParseMillis("1395066363000", &ms));
  EXPECT_EQ(ms, 1395066363000);
  EXPECT_TRUE(ParseMillis("-5", &ms));
  EXPECT_EQ(ms, -5);
  EXPECT_TRUE(ParseMillis("+7", &ms));
  EXPECT_EQ(ms, 7);
  EXPECT_TRUE(ParseMillis("9223372036854775807", &ms));
  EXPECT_EQ(ms, std::numeric_limits<int64_t>::max());
  for (const char* in : {"", "+", "-", "++1", "+-1", "1.0", "1e3", "9223372036854775808", "x"}) {
    EXPECT_FALSE(ParseMillis(in, &ms)) << in;
  }
}

TEST(LexTest, ParseSecondsAsMillisIsExactForDecimals) {
  struct Case {
    const char* in;
    int64_t want;
  } cases[] = {
      {"1768485615.000", 1768485615000},
      {"1768485615", 1768485615000},
      {"1768485615.001", 1768485615001},
      {"1768485615.1", 1768485615100},
      {"0.0005", 1},
      {"0.0004", 0},
      {"-0.0005", -1},
      {"-1768485615.25", -1768485615250},
      {"+2.5", 2500},
      {"1.5e3", 1500000},
      {".001", 1},
      {"3.", 3000},
      {"9223372036854774.807", 9223372036854774807},
  };
  for (const auto& c : cases) {
    int64_t ms = -42;
    EXPECT_TRUE(ParseSecondsAsMillis(c.in, &ms)) << c.in;
    EXPECT_EQ(ms, c.want) << c.in;
  }
  int64_t ms = 0;
  for (const char* in : {"", ".", "-", "NaN", "Inf", "+Inf", "1e400", "9223372036854775.807",
                         "1.2.3", "1x", "1e", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseSecondsAsMillis(in, &ms)) << in;
  }
}

TEST(LexTest, Names) {
  EXPECT_EQ(MetricNameLength("job:rate5m{"), 10u);
  EXPECT_EQ(MetricNameLength("_x 1"), 2u);
  EXPECT_EQ(MetricNameLength("1x"), 0u);
  EXPECT_EQ(MetricNameLength(""), 0u);
  EXPECT_EQ(LabelNameLength("a_1=\"\""), 3u);
  EXPECT_EQ(LabelNameLength(":a"), 0u);
  EXPECT_EQ(LabelNameLength("a:b"), 1u);
}

TEST(LexTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_EQ(CodePoints("caf\xc3\xa9"), 4u);
}

}  // namespace
}  // namespace fw::metrics::ingest::lex
