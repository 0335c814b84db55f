#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace fw {
namespace {

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock c(1000);
  EXPECT_EQ(c.Now(), 1000);
  c.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(c.Now(), 1500);
  c.SleepUntil(4000);  // jumps, does not block
  EXPECT_EQ(c.Now(), 4000);
  c.SleepUntil(10);  // never goes backwards
  EXPECT_EQ(c.Now(), 4000);
}

TEST(ClockTest, ScaledClockRunsFasterThanBase) {
  ManualClock base(0);
  ScaledClock fast(base, 1'000'000, 60.0);
  EXPECT_EQ(fast.Now(), 1'000'000);
  base.Advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(fast.Now(), 1'060'000);  // one real second = one simulated minute
  fast.SleepUntil(1'120'000);        // waits one more real second on the base
  EXPECT_EQ(base.Now(), 2000);
}

TEST(ClockTest, RealClockIsNearPresent) {
  RealClock c;
  EXPECT_GT(c.Now(), 1'700'000'000'000);  // after 2023
}

TEST(ClockTest, FormatsRfc3339WithMillis) {
  EXPECT_EQ(FormatRfc3339Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Millis(1768467600123), "2026-01-15T09:00:00.123Z");
}

}  // namespace
}  // namespace fw

namespace fw {
namespace {

TEST(ClockTest, ParsesTimestampsAsUsersWriteThem) {
  EXPECT_EQ(*ParseTimestamp("2026-01-15T14:00:00Z"), 1768485600000);
  EXPECT_EQ(*ParseTimestamp("2026-01-15T14:00:00.25Z"), 1768485600250);
  EXPECT_EQ(*ParseTimestamp("1768485600"), 1768485600000);
  EXPECT_EQ(*ParseTimestamp("1768485600.5"), 1768485600500);
  for (const char* bad : {"", "yesterday", "2026-01-15T14:00:00", "2026-01-15 14:00:00Z", "nan"}) {
    auto t = ParseTimestamp(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_NE(t.error().message().find("RFC 3339"), std::string::npos);
  }
}

}  // namespace
}  // namespace fw

namespace fw {
namespace {

TEST(ClockTest, StoppableSleepOnAManualClockJumpsUnlessStopped) {
  ManualClock clock(1000);
  std::stop_source stop;
  EXPECT_TRUE(clock.SleepUntil(5000, stop.get_token()));
  EXPECT_EQ(clock.Now(), 5000);
  stop.request_stop();
  EXPECT_FALSE(clock.SleepUntil(9000, stop.get_token()));
  EXPECT_EQ(clock.Now(), 5000) << "a stopped sleep does not move time";
}

TEST(ClockTest, StoppableSleepOnRealAndScaledClocksWakesAtStop) {
  RealClock real;
  ScaledClock scaled(real, 0, 10);
  for (Clock* clock : {static_cast<Clock*>(&real), static_cast<Clock*>(&scaled)}) {
    std::stop_source stop;
    std::jthread stopper([&] {
      real.SleepUntil(real.Now() + 50);
      stop.request_stop();
    });
    const Timestamp start = real.Now();
    EXPECT_FALSE(clock->SleepUntil(clock->Now() + 600'000, stop.get_token()));
    EXPECT_LT(real.Now() - start, 5'000) << "woke at the stop, not after 10 minutes";
  }
  std::stop_source never;
  const Timestamp t = real.Now() + 20;
  EXPECT_TRUE(real.SleepUntil(t, never.get_token()));
  EXPECT_GE(real.Now(), t);
}

}  // namespace
}  // namespace fw
