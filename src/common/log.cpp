#include "common/log.h"

#include <cstdio>
#include <ostream>

namespace fw {

namespace {
const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}
}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

Logger::Logger(Clock& clock, std::ostream& out, LogLevel min_level)
    : clock_(clock), out_(out), min_level_(min_level) {}

void Logger::Log(LogLevel level, std::string_view message, const LogFields& fields) {
  if (level < min_level_) return;
  std::string line = "{\"@timestamp\":";
  AppendJsonString(line, FormatRfc3339Millis(clock_.Now()));
  line += ",\"level\":";
  AppendJsonString(line, LevelName(level));
  line += ",\"message\":";
  AppendJsonString(line, message);
  for (const auto& [k, v] : fields) {
    line += ',';
    AppendJsonString(line, k);
    line += ':';
    AppendJsonString(line, v);
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line << std::flush;
}

}  // namespace fw
