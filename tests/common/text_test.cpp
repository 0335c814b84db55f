#include "common/text.h"

#include <gtest/gtest.h>

#include "common/label_limits.h"

namespace fw {
namespace {

TEST(TextTest, Utf8AtEveryLengthBoundary) {
  const std::pair<uint32_t, std::string> cases[] = {
      {0x24, "$"},
      {0x7F, "\x7F"},
      {0x80, "\xC2\x80"},
      {0xE9, "\xC3\xA9"},
      {0x7FF, "\xDF\xBF"},
      {0x800, "\xE0\xA0\x80"},
      {0x20AC, "\xE2\x82\xAC"},
      {0xFFFF, "\xEF\xBF\xBF"},
      {0x10000, "\xF0\x90\x80\x80"},
      {0x1F600, "\xF0\x9F\x98\x80"},
      {0x10FFFF, "\xF4\x8F\xBF\xBF"},
  };
  for (const auto& [cp, want] : cases) {
    std::string out = "x";
    AppendUtf8(out, cp);
    EXPECT_EQ(out, "x" + want) << std::hex << cp;
  }
}

TEST(TextTest, HexDigitsAndShownCharacters) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue(' '), -1);
  EXPECT_EQ(ShownChar('@'), "@");
  EXPECT_EQ(ShownChar('\x01'), "\\x01");
  EXPECT_EQ(ShownChar('\xFF'), "\\xff");
}

}  // namespace
}  // namespace fw

namespace fw {
namespace {

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x94\xA5"));
  EXPECT_EQ(FirstInvalidUtf8("ab\xFF"), 2u);            // never valid
  EXPECT_EQ(FirstInvalidUtf8("a\xC0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(FirstInvalidUtf8("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ok\xE2\x82"), 2u);        // truncated
}

TEST(Utf8Test, ReplacementAndCheck) {
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xC0\x80\xED\xA0\x80\xFF")));
  EXPECT_TRUE(CheckUtf8("fine", "label value"));
  auto bad = CheckUtf8("x\xFE", "label value");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "label value is not valid UTF-8 (byte 1 of 2)");
}

TEST(JsonDepthTest, CountsBracketsOutsideStrings) {
  EXPECT_EQ(JsonNestingDepth("{}"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":[{"b":"[[[[\"{{"}]})"), 3);
  EXPECT_EQ(JsonNestingDepth("42"), 0);
  EXPECT_TRUE(CheckJsonDepth(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
  const std::string bomb(1'000'000, '[');
  EXPECT_EQ(JsonNestingDepth(bomb), kMaxJsonDepth + 1);  // stops counting early
  auto e = CheckJsonDepth(bomb);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("JSON nested deeper than 128 levels"), std::string::npos);
}

}  // namespace
}  // namespace fw

namespace fw {
namespace {

TEST(LabelLimitsTest, PrometheusWordingAndUtf8) {
  const std::vector<Label> labels = {{"__name__", "up"}, {"job", "api"}, {"x", "vvvv"}};
  EXPECT_TRUE(CheckLabels(labels, {}, "up"));
  EXPECT_TRUE(CheckLabels(labels, {3, 8, 4}, "up"));
  auto r = CheckLabels(labels, {2, 0, 0}, "up");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "label_limit exceeded (metric: up, number of labels: 3, limit: 2)");
  r = CheckLabels(labels, {0, 3, 0}, "up");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "label_name_length_limit exceeded (metric: up, label name: __name__, length: 8, "
            "limit: 3)");
  r = CheckLabels(labels, {0, 0, 3}, "up");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "label_value_length_limit exceeded (metric: up, label name: x, value: \"vvvv\", "
            "length: 4, limit: 3)");
  const std::vector<Label> bad = {{"__name__", "up"}, {"job", "a\xff"}};
  r = CheckLabels(bad, {}, "up");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "label value of \"job\" of metric up is not valid UTF-8 (byte 1 of 2)");
}

}  // namespace
}  // namespace fw
