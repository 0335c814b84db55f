#include "common/duration.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

TEST(DurationTest, ParsesPrometheusForms) {
  struct Case {
    const char* text;
    int64_t millis;
  } cases[] = {
      {"90s", 90000},      {"5m", 300000},   {"1h30m", 5400000},
      {"250ms", 250},      {"1d", 86400000}, {"1w", 604800000},
      {"1h0m5s", 3605000}, {"0s", 0},        {"2m30s500ms", 150500},
  };
  for (const Case& c : cases) {
    auto d = ParseDuration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().ToString();
    EXPECT_EQ(d->count(), c.millis) << c.text;
  }
}

TEST(DurationTest, RejectsMalformedWithReason) {
  for (const char* bad : {"", "5", "m", "5x", "1m1h", "1s1s", "-5s", "5 s", "99999999999999999999y",
                          "292277024y292277024w", "101y", "100y1ms"}) {
    auto d = ParseDuration(bad);
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(d.error().message().find("invalid duration"), std::string::npos);
  }
}

TEST(DurationTest, FormatRoundTrips) {
  EXPECT_EQ(FormatDuration(Millis(5400000)), "1h30m");
  EXPECT_EQ(FormatDuration(Millis(0)), "0s");
  EXPECT_EQ(FormatDuration(Millis(1500)), "1s500ms");
  for (int64_t ms : {1LL, 999LL, 61000LL, 90061001LL}) {
    auto back = ParseDuration(FormatDuration(Millis(ms)));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->count(), ms);
  }
}

}  // namespace
}  // namespace fw
