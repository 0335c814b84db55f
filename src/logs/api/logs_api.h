#pragma once
// The logs HTTP API over the log store (docs/logs.md, "HTTP API"):
//
//   POST /api/v1/logs/push?group=G&stream=S   one event per body line; needs
//        a responder token. Content-Type text/plain: plain-text lines; any
//        other: JSON lines (a line that is not a JSON object is counted as
//        malformed and kept as text). Answers, after fsync,
//        {"accepted":N,"malformed":M,"oversized":K}.
//   POST /api/v1/logs/queries                 StartQuery: {"queryString",
//        "startTime","endTime" (epoch s or RFC 3339), "logGroupNames",
//        "limit"} -> {"queryId"}. A read: viewers and anonymous readers may.
//   GET  /api/v1/logs/queries/:id             GetQueryResults: {"status":
//        "Running"|"Complete"|"Failed", "results":[[{"field","value"}...]],
//        "statistics":{"recordsMatched","recordsScanned","bytesScanned"}}.
//
// Queries run on their own threads, at most max_running at once; the newest
// max_kept finished results are kept for polling.

#include <memory>

#include "common/clock.h"
#include "logs/store/log_store.h"
#include "server/http.h"

namespace fw::logs::api {

struct LogsApiOptions {
  size_t max_line_bytes = 256 << 10;
  int max_running = 4;
  size_t max_kept = 100;
  int64_t query_timeout_ms = 60'000;
};

class LogsApi {
 public:
  virtual ~LogsApi() = default;  // waits for running queries
};

// REQUIRES: store and clock outlive the returned object, which must outlive
// the server's serving (destroy it after server.Stop()). Call before Start().
std::unique_ptr<LogsApi> RegisterLogsApi(server::HttpServer& server, store::LogStore& store,
                                         Clock& clock, LogsApiOptions options = {});

}  // namespace fw::logs::api
