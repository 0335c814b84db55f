#include "common/log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace fw {
namespace {

TEST(LoggerTest, OneJsonObjectPerLineWithClockTime) {
  ManualClock clock(1768485600123);
  std::ostringstream out;
  Logger log(clock, out);
  log.Info("pool \"exhausted\"\n", {{"instance", "i-1"}, {"tab", "a\tb"}});
  log.Log(LogLevel::kDebug, "hidden below the minimum level");
  EXPECT_EQ(out.str(),
            "{\"@timestamp\":\"2026-01-15T14:00:00.123Z\",\"level\":\"info\","
            "\"message\":\"pool \\\"exhausted\\\"\\n\",\"instance\":\"i-1\",\"tab\":\"a\\tb\"}\n");
}

TEST(LoggerTest, ControlCharactersAreEscaped) {
  std::string s;
  AppendJsonString(s, std::string("a\x01z\\", 4));
  EXPECT_EQ(s, "\"a\\u0001z\\\\\"");
}

TEST(LogTest, JsonStringsEscapeAndReplaceInvalidUtf8) {
  std::string out;
  AppendJsonString(out, "q\"b\\n\n\t\x01 é \xff\xc3 \xed\xa0\x80 ✓");
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001 é \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd ✓\"");
  // Whatever the bytes, no raw control character or invalid byte gets through.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  out.clear();
  AppendJsonString(out, all);
  for (unsigned char c : out) EXPECT_TRUE(c >= 0x20 && c < 0x80) << int(c);
}

}  // namespace
}  // namespace fw
