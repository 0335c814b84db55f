#pragma once
// The body of a successful /api/v1/query or /api/v1/query_range answer,
// written straight into one string: a JSON document object per element
// costs more than the query itself on results of thousands of series.
//
// Shape and number formats are Prometheus's: timestamps as seconds with up
// to three decimals (1435781451.781), values as strings in Go's shortest
// 'f' format, "warnings"/"infos" only when there are some. Label text is
// escaped as JSON requires; bytes that are not valid UTF-8 become U+FFFD,
// as Go's encoder does.

#include <string>
#include <string_view>

#include "metrics/promql/engine.h"

namespace fw::metrics::api {

// `t` is the evaluation time of an instant query (scalar, string results).
std::string QueryResultJson(const promql::QueryResult& r, Timestamp t);

// Appends a millisecond timestamp as Prometheus writes it: whole seconds,
// then '.' and three digits when the milliseconds are not 0 (1500 -> 1.500).
void AppendTimestamp(std::string& out, Timestamp t);

}  // namespace fw::metrics::api
