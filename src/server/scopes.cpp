// Read scopes: which area of firewatch a route reads (http.h, Area), and the
// names tokens list them by in firewatch.yml (docs/server.md, "Read scopes").
#include <array>
#include <utility>

#include "server/http.h"

namespace fw::server {

namespace {

constexpr std::array<std::pair<Area, std::string_view>, 5> kScopeNames = {{
    {Area::kMetrics, "read:metrics"},
    {Area::kAlerts, "read:alerts"},
    {Area::kLogs, "read:logs"},
    {Area::kIncidents, "read:incidents"},
    {Area::kReports, "read:reports"},
}};

// Longest prefix first where prefixes overlap (the report route is checked
// before the incident prefix). A prefix matches the whole path or a path
// continuing with '/'.
constexpr std::array<std::pair<std::string_view, Area>, 24> kAreaPrefixes = {{
    {"/metrics", Area::kMetrics},
    {"/api/v1/query", Area::kMetrics},
    {"/api/v1/query_range", Area::kMetrics},
    {"/api/v1/series", Area::kMetrics},
    {"/api/v1/labels", Area::kMetrics},
    {"/api/v1/label", Area::kMetrics},
    {"/api/v1/stats", Area::kMetrics},
    {"/api/v1/write", Area::kMetrics},
    {"/api/v1/rules", Area::kAlerts},
    {"/api/v1/alerts", Area::kAlerts},
    {"/api/v2/alerts", Area::kAlerts},
    {"/api/v1/silences", Area::kAlerts},
    {"/api/v2/silences", Area::kAlerts},
    {"/api/v2/silence", Area::kAlerts},
    {"/api/v1/time_intervals", Area::kAlerts},
    {"/api/v1/maintenance_windows", Area::kAlerts},
    {"/api/v1/oncall", Area::kAlerts},
    {"/api/v1/escalation_policies", Area::kAlerts},
    {"/api/v1/people", Area::kAlerts},
    {"/api/v1/reports", Area::kReports},
    {"/api/v1/logs", Area::kLogs},
    {"/api/v1/incidents", Area::kIncidents},
    {"/api/v1/changes", Area::kIncidents},
    {"/api/v1/runbooks", Area::kIncidents},
}};

bool UnderPrefix(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

fw::Result<Area> ParseReadScope(std::string_view s) {
  for (const auto& [area, name] : kScopeNames) {
    if (s == name) return area;
  }
  return fw::Fail(fw::ErrorCode::kInvalidArgument,
                  "unknown scope \"" + std::string(s) +
                      "\": use read:metrics, read:alerts, read:logs, read:incidents or "
                      "read:reports");
}

std::string_view ReadScopeName(Area a) {
  for (const auto& [area, name] : kScopeNames) {
    if (area == a) return name;
  }
  return "every read scope";
}

Area AreaOfPattern(std::string_view pattern) {
  // Reports are read under an incident's path: /api/v1/incidents/:id/report.
  if (UnderPrefix(pattern, "/api/v1/incidents") && pattern.ends_with("/report")) {
    return Area::kReports;
  }
  for (const auto& [prefix, area] : kAreaPrefixes) {
    if (UnderPrefix(pattern, prefix)) return area;
  }
  return Area::kOther;
}

}  // namespace fw::server
