#pragma once
// The scalar function table: string, general, numeric, datetime and IP
// functions, looked up case-insensitively (isPresent == ispresent). A
// function gets its evaluated arguments and returns a value; wrong-typed or
// null arguments give null rather than an error, so one odd line never fails
// a whole query. Aggregates (count, pct, ...) are named here too but
// evaluated by the stats executor.

#include <optional>
#include <span>
#include <string_view>

#include "logs/insights/ast.h"
#include "logs/value.h"

namespace fw::logs::insights {

struct FunctionSpec {
  const char* name;  // lower case
  int min_args;
  int max_args;             // -1: any number
  int period_arg;           // index of an argument that must be a duration literal, or -1
  bool implicit_timestamp;  // bin(): @timestamp is passed as args[0]
  Value (*fn)(std::span<const Value> args, const Period& period);
};

// Index into the table, or -1. `lower_name` must be lower case.
int LookupFunction(std::string_view lower_name);
const FunctionSpec& FunctionAt(int index);

// The aggregate named `lower_name`, if it is one.
std::optional<AggKind> LookupAggregate(std::string_view lower_name);

// Parses a bin()/datefloor() unit ("m", "min", "mins", "minute", "mo", "q",
// ...). The period is amount x unit; nullopt for an unknown unit or a
// period that is not a whole positive number of milliseconds or months.
std::optional<Period> MakePeriod(double amount, std::string_view unit);

// The start of the period containing t (UTC; months count from 1970-01).
Timestamp FloorTime(Timestamp t, const Period& p);

}  // namespace fw::logs::insights
