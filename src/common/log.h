#pragma once
// firewatch's own log: one JSON object per line on stderr (or any stream),
// with @timestamp from a Clock, level, message and extra string fields.
// Thread-safe; lines are never interleaved.

#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace fw {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  // REQUIRES: clock and out outlive the logger.
  Logger(Clock& clock, std::ostream& out, LogLevel min_level = LogLevel::kInfo);
  void Log(LogLevel level, std::string_view message, const LogFields& fields = {});
  // Whether Log(level, ...) writes anything: lets a hot path skip building
  // fields nobody will read.
  bool Enabled(LogLevel level) const { return level >= min_level_; }
  void Info(std::string_view m, const LogFields& f = {}) { Log(LogLevel::kInfo, m, f); }
  void Warn(std::string_view m, const LogFields& f = {}) { Log(LogLevel::kWarn, m, f); }
  void Error(std::string_view m, const LogFields& f = {}) { Log(LogLevel::kError, m, f); }

 private:
  Clock& clock_;
  std::ostream& out_;
  LogLevel min_level_;
  std::mutex mu_;
};

// Appends s to out as a JSON string literal, quotes included. Bytes that are
// not valid UTF-8 become U+FFFD, as Go's encoder does, so the output always
// parses whatever the input holds.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace fw
