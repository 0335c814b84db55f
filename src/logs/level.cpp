#include "logs/level.h"

#include <cctype>
#include <map>

namespace fw::logs {

std::string NormalizeLevel(std::string_view level) {
  std::string up;
  for (char c : level) {
    if (c == ' ' || c == '\t') continue;
    up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"FATAL", "FATAL"},
      {"CRITICAL", "FATAL"},
      {"CRIT", "FATAL"},
      {"EMERG", "FATAL"},
      {"EMERGENCY", "FATAL"},
      {"ALERT", "FATAL"},
      {"PANIC", "FATAL"},
      {"ERROR", "ERROR"},
      {"ERR", "ERROR"},
      {"SEVERE", "ERROR"},
      {"WARN", "WARN"},
      {"WARNING", "WARN"},
      {"INFO", "INFO"},
      {"NOTICE", "INFO"},
      {"INFORMATION", "INFO"},
      {"INFORMATIONAL", "INFO"},
      {"DEBUG", "DEBUG"},
      {"FINE", "DEBUG"},
      {"VERBOSE", "DEBUG"},
      {"TRACE", "TRACE"},
      {"FINEST", "TRACE"},
      // syslog severities (RFC 5424)
      {"0", "FATAL"},
      {"1", "FATAL"},
      {"2", "FATAL"},
      {"3", "ERROR"},
      {"4", "WARN"},
      {"5", "INFO"},
      {"6", "INFO"},
      {"7", "DEBUG"}};
  auto it = kNames.find(up);
  return it == kNames.end() ? "" : it->second;
}

}  // namespace fw::logs
