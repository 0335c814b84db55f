#pragma once
// What a query reads from each event, worked out from its text, so that a
// source can do less per line (ScanHints in event_source.h):
//  - fields: every field name the query can observe (references, result
//    columns, dedup fields, @message for pattern, @timestamp for bin() and
//    the like, and the JSON time keys so event times come out as without
//    a projection). A field outside it cannot change the result, so a source
//    may leave it out.
//  - line_filter: a test on the raw line that only fails for lines the
//    query's leading filter drops: `@message like /re/` or "text" (the raw
//    line is @message), and `field = "text"` for a non-numeric text (a JSON
//    string equal to it appears in the line verbatim unless escaped, so
//    lines holding a backslash always pass). Set only when skipping a line
//    unseen cannot change anything else: no time range, and the events meet
//    a stats command that reads no time (a skipped line's time would be the
//    fallback time of the untimed lines after it).
//  - filter_exact: line_filter is exactly the leading filter (every conjunct
//    tests @message), so a source that applies it (EventSource::
//    AppliesLineFilter) spares the executor that filter; fields_after is
//    then the projection: what the commands after it observe.
//  - Event time is read (the JSON time keys are in fields) only when the
//    query can observe it: a time range, @timestamp or a time function, or
//    the implicit most-recent-first order of rows that no stats or pattern
//    groups. Otherwise a source may leave every event's time unset.

#include <functional>
#include <string_view>

#include "logs/event_source.h"
#include "logs/insights/ast.h"
#include "logs/json_flatten.h"

namespace fw::logs::insights {

struct QueryNeeds {
  FieldSet fields;
  std::function<bool(std::string_view)> line_filter;  // empty: none
  bool filter_exact = false;
  FieldSet fields_after;  // set when filter_exact
};

// REQUIRES: query came from ParseQuery and outlives the result.
QueryNeeds AnalyzeNeeds(const Query& query, const TimeRange& range);

}  // namespace fw::logs::insights
