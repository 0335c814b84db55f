#pragma once
// Rows and expression evaluation. A row is a list of named values: an event's
// @timestamp, @message, @logStream, @log and discovered fields, plus what
// parse and fields add; after stats, the group and aggregate columns.
//
// Null semantics (CloudWatch is silent; see docs/logs.md): arithmetic and
// functions on a missing field give null; every comparison involving null is
// false, negated ones (!=, not like, not in) included; `not` of false is
// true. Filters keep rows whose condition is true, a non-zero number or a
// non-empty string.

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "logs/insights/ast.h"
#include "logs/record.h"
#include "logs/value.h"

namespace fw::logs::insights {

struct Row {
  std::vector<std::pair<std::string, Value>> cells;
  Timestamp time = 0;       // the event's @timestamp (0 for stats rows)
  int64_t seq = 0;          // order of arrival, for stable ordering
  bool from_stats = false;  // cells are stats outputs, named by alias or text
  // The event a streamed row reads its discovered fields from, in place (a
  // copy of every field per event was most of a query's time); cells shadow
  // them. Own() before the row outlives the event.
  const LogEvent* event = nullptr;

  const Value* Find(std::string_view name) const;
  void Set(std::string_view name, Value v);  // replaces, or appends a new cell
  void Own();  // copies the event's fields into cells and lets go of it
};

// A row with the event's @timestamp, @message, @logStream, @log (and
// @ingestionTime) as cells and its discovered fields read from `e`, which
// must outlive the row or its Own(). The built-in fields win over JSON keys
// of the same name.
Row RowFromEvent(const LogEvent& e, int64_t seq);

// Evaluates `e` on `row`. `aggregates` holds a stats command's aggregate
// results by slot while that command computes its outputs.
Value Eval(const Expr& e, const Row& row, std::span<const Value> aggregates = {});

}  // namespace fw::logs::insights
