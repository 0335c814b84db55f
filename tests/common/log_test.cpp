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

}  // namespace
}  // namespace fw
