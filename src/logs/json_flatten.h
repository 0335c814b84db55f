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

// A projection: the dot paths a reader wants. The others are still parsed
// (a line is JSON or not whatever is wanted) but not kept, which is most of
// the saving when a query names a few fields of wide lines.
struct FieldSet {
  std::vector<std::string> names;
  bool Contains(std::string_view path) const {
    for (const std::string& n : names) {
      if (n == path) return true;
    }
    return false;
  }
};

// Returns false, with `out` unchanged in length, when `line` is not exactly
// one JSON object (surrounding whitespace allowed). With `wanted`, only
// those paths are added to `out`.
bool FlattenJsonObject(std::string_view line, std::vector<std::pair<std::string, Value>>& out,
                       const FieldSet* wanted = nullptr);

}  // namespace fw::logs
