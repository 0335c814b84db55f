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

#include <functional>
#include <string_view>

#include "logs/event_source.h"
#include "logs/insights/ast.h"
#include "logs/json_flatten.h"

namespace fw::logs::insights {

struct QueryNeeds {
  FieldSet fields;
  std::function<bool(std::string_view)> line_filter;  // empty: none
};

// REQUIRES: query came from ParseQuery and outlives the result.
QueryNeeds AnalyzeNeeds(const Query& query, const TimeRange& range);

}  // namespace fw::logs::insights
