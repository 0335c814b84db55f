#pragma once
// Every component reads time from a Clock, never from the system directly, so
// the same code runs in real time, accelerated (the demo) and instantly (tests).
// Timestamps are milliseconds since the Unix epoch (Prometheus resolution).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw {

using Timestamp = int64_t;  // ms since 1970-01-01T00:00:00Z

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Returns once Now() >= t. Real clocks block; a manual clock jumps to t.
  virtual void SleepUntil(Timestamp t) = 0;
  // Like SleepUntil, but returns early once `stop` is requested, so that a
  // loop waiting for its next turn can be stopped promptly. Returns true when
  // Now() >= t was reached, false when stopped. The default is not prompt
  // (it sleeps the whole way); the clocks below override it.
  virtual bool SleepUntil(Timestamp t, std::stop_token stop);
};

// Wall-clock time. The only place the system clock is read.
class RealClock final : public Clock {
 public:
  Timestamp Now() const override;
  void SleepUntil(Timestamp t) override;
  bool SleepUntil(Timestamp t, std::stop_token stop) override;
};

// Time that moves only when told to. Thread-safe. For tests and for batch
// simulation, where waiting must cost nothing.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = 0) : now_(start) {}
  Timestamp Now() const override;
  void SleepUntil(Timestamp t) override;  // jumps forward to t
  bool SleepUntil(Timestamp t, std::stop_token stop) override;
  void Advance(std::chrono::milliseconds d);
  void Set(Timestamp t);

 private:
  mutable std::mutex mu_;
  Timestamp now_;
};

// Time that starts at `start` and runs `speed` times faster than `base`
// (60 = one simulated minute per real second). Sleeping waits the scaled
// real duration.
class ScaledClock final : public Clock {
 public:
  // REQUIRES: speed > 0; base outlives this clock.
  ScaledClock(Clock& base, Timestamp start, double speed);
  Timestamp Now() const override;
  void SleepUntil(Timestamp t) override;
  bool SleepUntil(Timestamp t, std::stop_token stop) override;
  double speed() const { return speed_; }

 private:
  Clock& base_;
  Timestamp start_;
  Timestamp base_start_;
  double speed_;
};

// RFC 3339 with milliseconds in UTC: 2026-11-25T10:26:31.123Z.
std::string FormatRfc3339Millis(Timestamp t);

// A time as users and the Prometheus API write it: RFC 3339 in UTC
// (2026-01-15T14:25:00Z, fractions allowed) or Unix seconds (1768487100.5).
// The error message says which forms are accepted.
Result<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace fw
