#pragma once
// Flattens one JSON object line into dot-path fields, fast: a single pass
// over the bytes with no document tree (the query path reads every line of
// a file, and a tree-building parser was most of its time).
//
// Follows RFC 8259 for structure, strings (all escapes, \u surrogate pairs)
// and numbers; bytes inside strings are copied as they are (UTF-8 is not
// validated). Nested objects join keys with '.', array elements are
// numbered, `null` is skipped, true/false become booleans, numbers doubles
// (a number beyond double's range makes the line not JSON, as in nlohmann).
// A repeated key keeps its last value (paths under an earlier object value
// of that key stay). Values nested deeper than 64 levels
// are kept as their JSON text.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "logs/value.h"

namespace fw::logs {

// Returns false, with `out` unchanged in length, when `line` is not exactly
// one JSON object (surrounding whitespace allowed).
bool FlattenJsonObject(std::string_view line, std::vector<std::pair<std::string, Value>>& out);

}  // namespace fw::logs
