#pragma once
// The Prometheus-compatible HTTP API over the metrics store, so Grafana,
// promtool and a Prometheus (remote write) can use firewatch as they would a
// Prometheus server:
//
//   GET|POST /api/v1/query         query, time
//   GET|POST /api/v1/query_range   query, start, end, step
//   GET|POST /api/v1/series        match[]..., start, end
//   GET|POST /api/v1/labels        match[]... (optional)
//   GET      /api/v1/label/:name/values
//   POST     /api/v1/write         remote write 1.0 (snappy protobuf); needs a responder token
//
// Bodies and errors have Prometheus's JSON shapes ({"status":"success",
// "data":...} / {"status":"error","errorType":"bad_data","error":...}).
// Times are RFC 3339 or Unix seconds; a missing query time is the Clock's now.

#include <functional>

#include "common/clock.h"
#include "common/label_limits.h"
#include "metrics/promql/limits.h"
#include "metrics/tsdb/db.h"
#include "server/http.h"

namespace fw::metrics::api {

struct ApiOptions {
  size_t max_points_per_series = 11'000;  // as Prometheus: refuse finer range queries
  size_t max_write_bytes = 32 << 20;      // decompressed remote-write request
  // Labels of each remote-written series (UTF-8 always checked): a request
  // with a series over them is refused whole with 400.
  LabelLimits write_label_limits = kIntakeLabelLimits;
  // Depth, --query.timeout and --query.max-samples for /query and
  // /query_range: a query over its time answers 503 errorType "timeout",
  // one over its samples 422 "execution", one nested too deep 400 "bad_data".
  promql::QueryLimits query_limits;
  // Called after a remote-write batch is stored (rules evaluate early on it).
  std::function<void(const std::vector<tsdb::LabeledSample>&)> on_append;
};

// REQUIRES: db and clock outlive the server; called before server.Start().
void RegisterPrometheusApi(server::HttpServer& server, tsdb::Db& db, Clock& clock,
                           ApiOptions options = {});

}  // namespace fw::metrics::api
