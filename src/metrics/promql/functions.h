#pragma once
// The table of PromQL functions the parser knows: name, argument types, how
// many trailing arguments are optional or repeatable, and the return type.
// The parser type-checks calls against it; the evaluator looks up the same
// entry (Call::func) to dispatch. Experimental functions are accepted (the
// conformance suite enables them) and flagged so a caller can gate them.

#include <string_view>
#include <vector>

namespace fw::metrics::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string": the words Prometheus
// uses in type errors.
std::string_view DocumentedName(ValueType t);

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // As in Prometheus: 0 means exactly arg_types.size() args; otherwise the
  // last arg is optional and may repeat up to `variadic` times (-1: without
  // limit). E.g. round(v, [s]) is {V, S} with variadic 1.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// Returns nullptr for an unknown name. Names are case-sensitive.
const FunctionInfo* LookupFunction(std::string_view name);

// Every known function, sorted by name.
const std::vector<FunctionInfo>& AllFunctions();

}  // namespace fw::metrics::promql
