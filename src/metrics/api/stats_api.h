#pragma once
// GET /api/v1/stats?metric=NAME&match=L=V&start=..&end=..&period=300&statistics=Average,p99
// CloudWatch-style statistics over the store (see metrics/stats/statistics.h),
// answered as {"status":"success","data":{"datapoints":[{"timestamp":..,
// "Average":..},...]}}.

#include "common/clock.h"
#include "metrics/tsdb/db.h"
#include "server/http.h"

namespace fw::metrics::api {

// REQUIRES: db and clock outlive the server; called before server.Start().
void RegisterStatsApi(server::HttpServer& server, tsdb::Db& db, Clock& clock);

// Parses "Average,Maximum,p99" and "label=value" the way the CLI and the API
// both take them.
std::vector<std::string> SplitStatistics(std::string_view list);
Result<LabelMatcher> ParseEqualityMatch(std::string_view label_eq_value);

}  // namespace fw::metrics::api
