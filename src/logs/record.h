#pragma once
// A log event as the query language sees it: @timestamp (ms), @message (the
// raw line), @logStream and @log, plus the fields discovered in the line.
//
// Field discovery follows Logs Insights: a JSON object line is flattened into
// dot paths, nested objects joined with '.' and array elements numbered
// (`request.headers.host`, `items.0.id`; see json_flatten.h); JSON numbers
// stay numbers, true and false become booleans, null becomes an absent
// field. Any other line is an
// event with @message only. The event time comes from the JSON keys
// @timestamp, timestamp, time or ts (RFC 3339 text or epoch milliseconds), or
// from an RFC 3339 time at the start of a plain-text line; when neither is
// there the caller's fallback (the previous event's time, or ingestion time)
// is used.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "logs/json_flatten.h"
#include "logs/value.h"

namespace fw::logs {

struct LogEvent {
  Timestamp timestamp = 0;
  std::string message;     // @message: the line as read, without the newline
  std::string log_stream;  // @logStream
  std::string log_group;   // @log
  std::vector<std::pair<std::string, Value>> fields;  // discovered, in line order
  bool has_time = false;                              // the time came from the line itself
  bool json = false;                                  // the line was a JSON object
  // @ingestionTime: when the store accepted the event; absent for files
  // read directly (they were never ingested).
  std::optional<Timestamp> ingestion_time;
};

// Decodes one line. `fallback_time` is used when the line carries no time.
// With `wanted` (a query's projection), only those JSON fields are kept and
// @message is left empty unless wanted; the time is read only when @timestamp
// is wanted (then from whichever of the JSON time keys are wanted), and a
// projection of nothing but @message, @log, @logStream and @ingestionTime
// leaves the line undecoded.
LogEvent DecodeLine(std::string_view line, Timestamp fallback_time,
                    const FieldSet* wanted = nullptr);

// Parses an RFC 3339 / ISO 8601 time at the start of `text`:
// 2026-01-15T14:25:00Z, 2026-01-15 14:25:00.123+02:00, ... Returns the time
// and the number of bytes it used, or nullopt.
std::optional<std::pair<Timestamp, size_t>> ParseLeadingTime(std::string_view text);

}  // namespace fw::logs
