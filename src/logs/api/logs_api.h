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
// Queries run on their own threads, at most max_running at once, each for at
// most query_timeout_ms. Finished results are kept for polling, newest first,
// up to max_kept of them, max_kept_bytes in all and max_kept_age_ms each; a
// result larger than max_result_bytes fails the query (kTooLarge) instead.
// A push whose body or group/stream is not valid UTF-8 is refused whole (400).

#include <memory>

#include "common/clock.h"
#include "logs/store/log_store.h"
#include "server/http.h"

namespace fw::logs::api {

struct LogsApiOptions {
  size_t max_line_bytes = 256 << 10;
  int max_running = 4;
  size_t max_kept = 100;
  size_t max_kept_bytes = 256 << 20;      // all finished results together
  int64_t max_kept_age_ms = 10 * 60'000;  // a finished result, after it finished
  size_t max_result_bytes = 64 << 20;     // one result, as JSON
  int64_t query_timeout_ms = 60'000;
};

class LogsApi {
 public:
  virtual ~LogsApi() = default;  // cancels running queries and waits for them
};

// REQUIRES: store and clock outlive the returned object, which must outlive
// the server's serving (destroy it after server.Stop()). Call before Start().
std::unique_ptr<LogsApi> RegisterLogsApi(server::HttpServer& server, store::LogStore& store,
                                         Clock& clock, LogsApiOptions options = {});

}  // namespace fw::logs::api
