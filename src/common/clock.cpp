#include "common/clock.h"

#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

namespace fw {

Timestamp RealClock::Now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void RealClock::SleepUntil(Timestamp t) {
  const Timestamp now = Now();
  if (t > now) std::this_thread::sleep_for(std::chrono::milliseconds(t - now));
}

bool Clock::SleepUntil(Timestamp t, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  SleepUntil(t);
  return !stop.stop_requested();
}

bool RealClock::SleepUntil(Timestamp t, std::stop_token stop) {
  // A condition variable that nobody notifies: the stop token wakes it.
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  const std::chrono::system_clock::time_point deadline{std::chrono::milliseconds(t)};
  cv.wait_until(lock, stop, deadline, [] { return false; });
  return !stop.stop_requested() && Now() >= t;
}

Timestamp ManualClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void ManualClock::SleepUntil(Timestamp t) {
  std::lock_guard<std::mutex> lock(mu_);
  if (t > now_) now_ = t;
}

bool ManualClock::SleepUntil(Timestamp t, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  SleepUntil(t);
  return true;
}

void ManualClock::Advance(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d.count();
}

void ManualClock::Set(Timestamp t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

ScaledClock::ScaledClock(Clock& base, Timestamp start, double speed)
    : base_(base), start_(start), base_start_(base.Now()), speed_(speed) {}

Timestamp ScaledClock::Now() const {
  const double elapsed = static_cast<double>(base_.Now() - base_start_) * speed_;
  return start_ + static_cast<Timestamp>(elapsed);
}

void ScaledClock::SleepUntil(Timestamp t) {
  const Timestamp now = Now();
  if (t <= now) return;
  const double real_wait = static_cast<double>(t - now) / speed_;
  base_.SleepUntil(base_.Now() + static_cast<Timestamp>(real_wait + 0.5));
}

bool ScaledClock::SleepUntil(Timestamp t, std::stop_token stop) {
  const Timestamp now = Now();
  if (t <= now) return !stop.stop_requested();
  const double real_wait = static_cast<double>(t - now) / speed_;
  return base_.SleepUntil(base_.Now() + static_cast<Timestamp>(real_wait + 0.5), stop);
}

Result<Timestamp> ParseTimestamp(std::string_view text) {
  const std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) == 6) {
    std::string rest = s.substr(consumed);
    Timestamp millis = 0;
    if (rest.starts_with(".")) {
      size_t n = 1;
      double scale = 100;
      while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) {
        millis += static_cast<Timestamp>((rest[n] - '0') * scale);
        scale /= 10;
        ++n;
      }
      rest = rest.substr(n);
    }
    if (rest == "Z") {
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      return static_cast<Timestamp>(timegm(&tm)) * 1000 + millis;
    }
  }
  char* end = nullptr;
  const double secs = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0' && std::isfinite(secs) && std::fabs(secs) < 1e13) {
    return static_cast<Timestamp>(std::llround(secs * 1000));
  }
  return Fail(
      ErrorCode::kInvalidArgument,
      "cannot parse \"" + s +
          "\" as a time (expected RFC 3339 UTC like 2026-01-15T14:25:00Z, or Unix seconds)");
}

std::string FormatRfc3339Millis(Timestamp t) {
  const int64_t secs = (t >= 0 ? t : t - 999) / 1000;
  const int ms = static_cast<int>(t - secs * 1000);
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace fw
