#include "logs/level.h"

#include <gtest/gtest.h>

namespace fw::logs {
namespace {

TEST(LevelTest, FoldsTheNamesApplicationsWrite) {
  for (const char* s : {"ERROR", "error", "Err", "SEVERE", "3"})
    EXPECT_EQ(NormalizeLevel(s), "ERROR") << s;
  for (const char* s : {"WARNING", "warn", "Warn", "4"}) EXPECT_EQ(NormalizeLevel(s), "WARN") << s;
  for (const char* s : {"FATAL", "critical", "CRIT", "emerg", "panic", "0", "2"}) {
    EXPECT_EQ(NormalizeLevel(s), "FATAL") << s;
  }
  for (const char* s : {"info", "NOTICE", "6"}) EXPECT_EQ(NormalizeLevel(s), "INFO") << s;
  EXPECT_EQ(NormalizeLevel("debug"), "DEBUG");
  EXPECT_EQ(NormalizeLevel(" warn "), "WARN");
  EXPECT_EQ(NormalizeLevel("banana"), "");
  EXPECT_EQ(NormalizeLevel(""), "");
  EXPECT_EQ(NormalizeLevel("8"), "");
  EXPECT_TRUE(IsProblemLevel(NormalizeLevel("WARNING")));
  EXPECT_FALSE(IsProblemLevel(NormalizeLevel("info")));
}

}  // namespace
}  // namespace fw::logs
