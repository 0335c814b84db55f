#pragma once
// Log level names as applications write them, folded onto one scale:
// "WARNING", "warn", "Warn" and syslog's 4 are all WARN. Readers that judge
// a line by its level (root-cause analysis, the report's impact) compare
// the folded name, so a stack that logs "error" is not ignored.

#include <string>
#include <string_view>

namespace fw::logs {

// FATAL, ERROR, WARN, INFO, DEBUG or TRACE; "" for anything else.
// Accepts any case, the common aliases (CRITICAL/CRIT/EMERG/ALERT/PANIC ->
// FATAL, ERR/SEVERE -> ERROR, WARNING -> WARN, NOTICE/INFORMATION -> INFO,
// FINE/VERBOSE -> DEBUG) and syslog severities 0-7.
std::string NormalizeLevel(std::string_view level);

// ERROR or worse, or WARN: a line worth reading in an incident.
inline bool IsProblemLevel(std::string_view normalized) {
  return normalized == "FATAL" || normalized == "ERROR" || normalized == "WARN";
}

}  // namespace fw::logs
