#pragma once
// Reads log files directly, the way ripgrep does, with no ingestion step:
// each line of an NDJSON or plain-text file is one event (see record.h for
// field discovery). @log is the path as given and @logStream its file name.
// A line without a time of its own takes the previous event's time in the
// same file, or, for the first lines of a file, the clock's time when the
// scan started (ingestion time).
//
// Lines longer than max_line_bytes are cut to that length and still returned,
// never dropped; the count of cut lines is kept.

#include <string>
#include <vector>

#include "common/clock.h"
#include "logs/event_source.h"

namespace fw::logs {

class FileEventSource final : public EventSource {
 public:
  // REQUIRES: clock outlives this source.
  FileEventSource(std::vector<std::string> paths, Clock& clock, size_t max_line_bytes = 1 << 20);
  Result<void> Scan(const TimeRange& range,
                    const std::function<bool(const LogEvent&)>& fn) override;
  int64_t truncated_lines() const { return truncated_lines_; }

 private:
  Result<bool> ScanFile(const std::string& path, const TimeRange& range,
                        const std::function<bool(const LogEvent&)>& fn);

  std::vector<std::string> paths_;
  Clock& clock_;
  size_t max_line_bytes_;
  int64_t truncated_lines_ = 0;
};

}  // namespace fw::logs
