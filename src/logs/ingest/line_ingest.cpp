#include "logs/ingest/line_ingest.h"

namespace fw::logs::ingest {

LineIngester::LineIngester(store::LogStore& store, Clock& clock, LineIngestOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

Result<void> LineIngester::Feed(std::string_view bytes) {
  counts_.bytes += static_cast<int64_t>(bytes.size());
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view part = bytes.substr(0, nl);
    // Keep at most max_line_bytes of a line; the rest is counted, not kept.
    const size_t room = options_.max_line_bytes - std::min(options_.max_line_bytes, line_.size());
    line_.append(part.substr(0, room));
    cut_ = cut_ || part.size() > room;
    if (nl == std::string_view::npos) break;
    TakeLine();
    bytes.remove_prefix(nl + 1);
    if (batch_.size() >= options_.batch_events) {
      if (auto r = Flush(); !r) return r;
    }
  }
  return {};
}

void LineIngester::EndLine() {
  if (!line_.empty() || cut_) TakeLine();
}

Result<void> LineIngester::Finish() {
  EndLine();
  return Flush();
}

void LineIngester::TakeLine() {
  const Timestamp now = clock_.Now();
  LogEvent e = DecodeLine(line_, have_last_time_ ? last_time_ : now);
  const size_t first = line_.find_first_not_of(" \t");
  const bool looks_json = first != std::string::npos && line_[first] == '{';
  if (!e.json && (looks_json || options_.expect_json)) ++counts_.malformed;
  counts_.oversized += cut_;
  ++counts_.accepted;
  last_time_ = e.timestamp;
  have_last_time_ = true;
  batch_.push_back(
      store::StoredEvent{e.timestamp, now, options_.group, options_.stream, std::move(e.message)});
  line_.clear();
  cut_ = false;
}

Result<void> LineIngester::Flush() {
  if (batch_.empty()) return {};
  std::vector<store::StoredEvent> batch;
  batch.swap(batch_);
  return store_.Append(std::move(batch));
}

}  // namespace fw::logs::ingest
