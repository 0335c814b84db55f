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
//
// Split(n) cuts the files into n byte ranges of about equal size at line
// starts, for scanning on n threads. A range starting inside a file needs
// the time of the last timed line before it (the fallback of its first
// untimed lines); it is looked up at most 64 KiB back, and when it is not
// there the files are not split. Inputs under min_split_bytes are not split.
// The parts end at the files' sizes when split: what is appended later is
// not read.
// Hints (event_source.h) are honoured: a projection skips unwanted fields
// (and @message, @log, @logStream unless wanted); a line filter drops lines
// before decoding.

#include <atomic>
#include <memory>
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
  void SetHints(const ScanHints& hints) override { hints_ = hints; }
  bool AppliesLineFilter() const override { return true; }
  std::vector<std::unique_ptr<EventSource>> Split(size_t n) override;
  void set_min_split_bytes(uint64_t bytes) { min_split_bytes_ = bytes; }
  // Over this source and its parts.
  int64_t truncated_lines() const { return counters_->truncated; }
  int64_t filtered_lines() const { return counters_->filtered; }

 private:
  struct Piece {
    std::string path;
    uint64_t begin = 0, end = UINT64_MAX;  // byte range; starts at a line start
    bool has_fallback = false;             // else the clock's time at the scan
    Timestamp fallback = 0;
  };
  struct Counters {
    std::atomic<int64_t> truncated{0}, filtered{0};
  };
  FileEventSource(std::vector<Piece> pieces, const FileEventSource& parent);
  Result<bool> ScanPiece(const Piece& p, const TimeRange& range,
                         const std::function<bool(const LogEvent&)>& fn);
  Result<std::vector<Piece>> Cut(size_t n) const;

  std::vector<Piece> pieces_;
  Clock& clock_;
  size_t max_line_bytes_;
  uint64_t min_split_bytes_ = 8 << 20;
  ScanHints hints_;
  std::shared_ptr<Counters> counters_;
};

}  // namespace fw::logs
