#include "metrics/api/stats_api.h"

#include <nlohmann/json.hpp>

#include "metrics/stats/statistics.h"

namespace fw::metrics::api {
namespace {

using nlohmann::json;

server::Response Bad(const std::string& why) {
  return server::Response::Json(
      400, json({{"status", "error"}, {"errorType", "bad_data"}, {"error", why}})
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::vector<std::string> SplitStatistics(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
  }
  return out;
}

Result<LabelMatcher> ParseEqualityMatch(std::string_view s) {
  const size_t eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "match must be label=value, got \"" + std::string(s) + "\"");
  }
  return LabelMatcher{MatchType::kEqual, std::string(s.substr(0, eq)),
                      std::string(s.substr(eq + 1))};
}

void RegisterStatsApi(server::HttpServer& s, tsdb::Db& db, Clock& clock) {
  s.Handle("GET", "/api/v1/stats", server::Role::kViewer,
           [&db, &clock](const server::Request& req) -> server::Response {
             stats::StatsRequest r;
             const std::string metric = req.Param("metric");
             if (metric.empty()) return Bad("missing parameter \"metric\"");
             r.matchers.push_back({MatchType::kEqual, "__name__", metric});
             auto [lo, hi] = req.query.equal_range("match");
             for (auto it = lo; it != hi; ++it) {
               auto m = ParseEqualityMatch(it->second);
               if (!m) return Bad(m.error().message());
               r.matchers.push_back(*m);
             }
             r.end = clock.Now();
             r.start = r.end - 3'600'000;
             for (auto [name, field] : {std::pair{"start", &r.start}, {"end", &r.end}}) {
               if (const std::string v = req.Param(name); !v.empty()) {
                 auto t = ParseTimestamp(v);
                 if (!t) return Bad(t.error().WithContext(name).message());
                 *field = *t;
               }
             }
             char* end = nullptr;
             const std::string period = req.Param("period", "300");
             const double secs = std::strtod(period.c_str(), &end);
             if (*end != '\0' || !(secs >= 1 && secs <= 86400 * 31)) {
               return Bad("period must be a number of seconds between 1 and 2678400");
             }
             r.period_ms = static_cast<int64_t>(secs * 1000);
             r.statistics = SplitStatistics(req.Param("statistics", "Average"));
             auto points = stats::ComputeStatistics(db, r);
             if (!points) return Bad(points.error().message());
             json dps = json::array();
             for (const stats::Datapoint& d : *points) {
               json p = {{"timestamp", FormatRfc3339Millis(d.timestamp)}};
               for (const auto& [k, v] : d.values) p[k] = v;
               dps.push_back(std::move(p));
             }
             return server::Response::Json(
                 200, json({{"status", "success"}, {"data", {{"datapoints", dps}}}})
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
           });
}

}  // namespace fw::metrics::api
