// ComputeImpact: what users went through, counted from request logs with
// Logs Insights queries. The same queries run locally (an EventSource) or on
// a server (the logs HTTP API), through a QueryRunner.

#include <algorithm>
#include <cstdlib>

#include "logs/event_source.h"
#include "logs/insights/executor.h"
#include "logs/insights/parser.h"
#include "report/model.h"

namespace fw::report {
namespace {

// A number cell; absent or non-numeric cells count as 0 (stats over no rows).
double Number(const std::map<std::string, std::string>& row, const std::string& column) {
  auto it = row.find(column);
  if (it == row.end() || it->second.empty()) return 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  return end == it->second.c_str() ? 0 : v;
}

std::optional<double> OptNumber(const std::map<std::string, std::string>& row,
                                const std::string& column) {
  auto it = row.find(column);
  if (it == row.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str()) return std::nullopt;
  return v;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Requests with the logged successes scaled up by the sampling share.
double Estimated(double logged, double failed, double sample) {
  return failed + std::max(0.0, logged - failed) / sample;
}

}  // namespace

Result<Impact> ComputeImpactWith(const QueryRunner& run, Timestamp start, Timestamp end,
                                 const ImpactOptions& o) {
  if (end <= start) {
    return Fail(ErrorCode::kInvalidArgument,
                "impact window is empty: " + FormatRfc3339Millis(start) + " to " +
                    FormatRfc3339Millis(end));
  }
  if (o.access_sample <= 0 || o.access_sample > 1) {
    return Fail(ErrorCode::kInvalidArgument, "access sample share must be in (0, 1]");
  }
  Impact im;
  im.start = start;
  im.end = end;
  im.queries = {
      "filter ispresent(status) | stats count(*) as requests, sum(status >= 500) as failed",
      "filter status >= 500 and ispresent(user_id) | stats count_distinct(user_id) as users",
      "filter status >= 500 and route = " + Quoted(o.checkout_route) +
          " | stats count(*) as failed_checkouts",
      "filter ispresent(status) | stats count(*) as requests, sum(status >= 500) as failed, "
      "pct(latency_ms, 99) as p99 by bin(1m) as minute",
  };
  std::vector<QueryRows> results;
  for (const std::string& q : im.queries) {
    auto rows = run(q, start, end);
    if (!rows) return Fail(rows.error().WithContext("impact query `" + q + "`"));
    results.push_back(std::move(*rows));
  }
  const auto first = [&](size_t i) {
    return results[i].empty() ? std::map<std::string, std::string>{} : results[i].front();
  };
  const double failed = Number(first(0), "failed");
  im.failed_requests = static_cast<int64_t>(failed);
  im.requests =
      static_cast<int64_t>(Estimated(Number(first(0), "requests"), failed, o.access_sample) + 0.5);
  im.users_affected = static_cast<int64_t>(Number(first(1), "users"));
  im.failed_checkouts = static_cast<int64_t>(Number(first(2), "failed_checkouts"));
  im.revenue_impact = static_cast<double>(im.failed_checkouts) * o.average_order_value;
  for (const auto& minute : results[3]) {
    const double bad = Number(minute, "failed");
    const double all = Estimated(Number(minute, "requests"), bad, o.access_sample);
    const auto p99 = OptNumber(minute, "p99");
    if ((all > 0 && bad / all > 0.01) || (p99 && *p99 > 1000)) im.degraded_minutes += 1;
  }
  return im;
}

Result<Impact> ComputeImpact(logs::EventSource& source, Timestamp start, Timestamp end,
                             const ImpactOptions& options) {
  // The queries are bounded by the window; a clock that does not move means
  // only the row and group limits apply, which is what a batch count wants.
  ManualClock clock(end);
  QueryRunner local = [&](const std::string& text, Timestamp from,
                          Timestamp to) -> Result<QueryRows> {
    auto query = logs::insights::ParseQuery(text);
    if (!query) return Fail(query.error());
    auto result = logs::insights::Execute(*query, source, {from, to}, clock);
    if (!result) return Fail(result.error());
    QueryRows rows;
    for (const auto& row : result->rows) {
      std::map<std::string, std::string> cells;
      for (size_t i = 0; i < row.size() && i < result->columns.size(); ++i) {
        if (!row[i].is_null()) cells[result->columns[i]] = row[i].ToString();
      }
      rows.push_back(std::move(cells));
    }
    return rows;
  };
  return ComputeImpactWith(local, start, end, options);
}

std::pair<Timestamp, Timestamp> ImpactWindow(const ReportInput& in, Timestamp now) {
  const Timestamp onset = OnsetOf(in);
  const Timestamp end = in.incident.resolved_at ? *in.incident.resolved_at : now;
  return {onset, std::max(end, onset + 1)};
}

}  // namespace fw::report
