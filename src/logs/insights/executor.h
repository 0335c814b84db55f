#pragma once
// Runs a parsed query over an EventSource and returns its result table.
//
// Commands run in order. Row-at-a-time commands (filter, parse, fields,
// display) stream over the events; the first stats, pattern, sort, dedup or
// limit holds rows. A sort or the implicit order followed by a limit keeps only
// the best N rows in a heap, so "the 20 most recent errors" of a large file
// needs memory for 20 rows.
//
// Ordering, where the query does not sort: events come most recent first
// (@timestamp descending, ties in reading order); stats results come in
// ascending order of their group values. The result is cut to
// limits.default_limit rows (10,000, as CloudWatch) unless the query has a
// limit of its own.
//
// Columns: `fields` adds columns, `display` replaces them, stats outputs its
// groups then its aggregates, pattern its templates (pattern.h). Without any of these a row shows
// @timestamp,
// @message and the fields made by parse.
//
// Limits: a time limit (read from the Clock) and a cap on rows held and on
// stats groups; hitting one is an ErrorCode::kTooLarge error saying which
// limit and how to narrow the query.

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "logs/event_source.h"
#include "logs/insights/ast.h"
#include "logs/value.h"

namespace fw::logs::insights {

struct QueryLimits {
  int64_t default_limit = 10'000;  // rows returned when the query has no limit
  int64_t max_rows = 1'000'000;    // rows (and pct/count_distinct values) held at once
  int64_t max_groups = 100'000;    // stats groups
  int64_t timeout_ms = 60'000;     // wall time, measured on the Clock
  // Threads for a stats query over a source that splits (files): each scans
  // a part into its own groups, merged at the end.
  int threads = 1;
  // Cancellation, checked with the time limit: a stop request ends the
  // query with kTimeout ("query was canceled").
  std::stop_token stop;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  int64_t records_scanned = 0;  // events read from the source
  int64_t records_matched = 0;  // events that passed the leading filters
};

// REQUIRES: query came from ParseQuery.
Result<QueryResult> Execute(const Query& query, EventSource& source, const TimeRange& range,
                            Clock& clock, const QueryLimits& limits = {});

// The result's column names when `query` runs (they do not depend on data).
std::vector<std::string> ResultColumns(const Query& query);

}  // namespace fw::logs::insights
