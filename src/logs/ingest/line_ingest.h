#pragma once
// Turns a byte stream of log lines (a file, stdin, an HTTP push body) into
// events in the log store, one event per line, as the file reader does
// (record.h): the time comes from the line, else the previous line's, else
// the ingestion time. Every line is kept:
//  - a line over max_line_bytes is cut to that length, counted as oversized
//    and stored;
//  - a line that looks like JSON ('{' first) but does not parse, or, when
//    expect_json, any line that is not a JSON object, is counted as
//    malformed and stored as a plain-text @message.
// Events go to the store in batches of batch_events; Finish() appends the
// rest. A batch is durable once its Append returned (log_store.h).
//
// Not thread-safe; one ingester per input.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "logs/store/log_store.h"

namespace fw::logs::ingest {

struct LineIngestOptions {
  std::string group;   // @log
  std::string stream;  // @logStream
  size_t max_line_bytes = 1 << 20;
  bool expect_json = false;  // count non-JSON lines as malformed
  // As StoreOptions::block_events: a full batch goes straight into a block.
  size_t batch_events = 16'384;
};

struct IngestCounts {
  int64_t accepted = 0;   // events stored (malformed and oversized included)
  int64_t malformed = 0;  // kept as plain text
  int64_t oversized = 0;  // cut to max_line_bytes and kept
  int64_t bytes = 0;      // input bytes read
};

class LineIngester {
 public:
  // REQUIRES: store and clock outlive the ingester.
  LineIngester(store::LogStore& store, Clock& clock, LineIngestOptions options);
  // Consumes bytes; lines may span calls.
  Result<void> Feed(std::string_view bytes);
  // Appends the complete lines buffered so far (a partial line waits).
  Result<void> Flush();
  // Takes a final line without a newline (buffered, not yet appended).
  void EndLine();
  // EndLine(), then appends what is buffered.
  Result<void> Finish();
  const IngestCounts& counts() const { return counts_; }

 private:
  void TakeLine();

  store::LogStore& store_;
  Clock& clock_;
  LineIngestOptions options_;
  IngestCounts counts_;
  std::string line_;
  bool cut_ = false;
  bool have_last_time_ = false;
  Timestamp last_time_ = 0;
  std::vector<store::StoredEvent> batch_;
};

}  // namespace fw::logs::ingest
