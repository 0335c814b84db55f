#pragma once
// The limits a PromQL query runs under, with their defaults, in one place for
// the code that registers them as flags (`firewatch serve`, like Prometheus:
// --query.timeout, --query.max-samples) and the code that enforces them
// (parser.h: max_depth; engine.h: timeout, max_samples, cancellation).
// docs/server.md lists them.

#include <chrono>
#include <cstddef>

namespace fw::metrics::promql {

// Nesting of an expression (parentheses, operators, calls, subqueries). The
// parser refuses deeper queries with "expression nested deeper than N
// levels" at the position where the limit was crossed (HTTP 400). The
// evaluator's recursion follows the tree, so this also bounds its stack.
inline constexpr int kDefaultMaxDepth = 128;

// --query.timeout: wall time one query may take (HTTP 503, errorType
// "timeout", as Prometheus answers).
inline constexpr std::chrono::milliseconds kDefaultQueryTimeout = std::chrono::minutes(2);

// --query.max-samples: samples one query may hold in memory at once (HTTP
// 422, errorType "execution").
inline constexpr size_t kDefaultMaxSamples = 50'000'000;

struct QueryLimits {
  int max_depth = kDefaultMaxDepth;
  std::chrono::milliseconds timeout = kDefaultQueryTimeout;  // 0: none
  size_t max_samples = kDefaultMaxSamples;
};

}  // namespace fw::metrics::promql
