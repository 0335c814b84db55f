#include "common/text.h"

#include <gtest/gtest.h>

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
