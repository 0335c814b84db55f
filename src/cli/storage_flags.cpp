#include "cli/storage_flags.h"

#include <cctype>

#include "common/duration.h"

namespace fw::cli {
namespace {

// "0", "512MB", "10GB", "1TB" (powers of 1024, as Prometheus).
Result<uint64_t> ParseBytes(const std::string& s, const std::string& flag) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  const std::string unit = s.substr(digits);
  uint64_t mult = 0;
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  for (int i = 0; i < 6; ++i) {
    if (unit == units[i]) mult = uint64_t{1} << (10 * i);
  }
  if (unit.empty() && s == "0") mult = 1;
  if (digits == 0 || digits > 15 || mult == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                flag + ": expected a size like 512MB or 10GB, got \"" + s + "\"");
  }
  return std::stoull(s.substr(0, digits)) * mult;
}

}  // namespace

void AddStorageFlags(CLI::App* cmd, StorageFlags& f) {
  cmd->add_option("--storage.tsdb.retention.time,--retention", f.retention,
                  "Delete blocks older than this (0s: keep forever)")
      ->capture_default_str();
  cmd->add_option("--storage.tsdb.retention.size", f.retention_size,
                  "Delete the oldest blocks beyond this size, e.g. 10GB (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--storage.tsdb.block-range", f.block_range,
                  "Time range of the blocks the in-memory head is cut into")
      ->capture_default_str();
}

Result<metrics::tsdb::DbOptions> ToDbOptions(const StorageFlags& f, Clock& clock) {
  metrics::tsdb::DbOptions o;
  o.clock = &clock;
  auto retention = ParseDuration(f.retention);
  if (!retention) return Fail(retention.error().WithContext("--storage.tsdb.retention.time"));
  auto range = ParseDuration(f.block_range);
  if (!range || range->count() < 60'000) {
    return Fail(ErrorCode::kInvalidArgument,
                "--storage.tsdb.block-range: expected a duration of at least 1m, like 2h");
  }
  auto size = ParseBytes(f.retention_size, "--storage.tsdb.retention.size");
  if (!size) return Fail(size.error());
  o.retention_ms = retention->count();
  o.block_range_ms = range->count();
  o.retention_bytes = *size;
  return o;
}

void AddLogRetentionFlags(CLI::App* cmd, LogRetentionFlags& f) {
  cmd->add_option("--logs.retention.time", f.time,
                  "Delete log segments ingested longer ago than this (0s: keep forever)")
      ->capture_default_str();
  cmd->add_option("--logs.retention.size", f.size,
                  "Delete the oldest log segments beyond this size, e.g. 10GB (0: no limit)")
      ->capture_default_str();
}

Result<void> ApplyLogRetention(const LogRetentionFlags& f, logs::store::StoreOptions& o) {
  auto time = ParseDuration(f.time);
  if (!time) return Fail(time.error().WithContext("--logs.retention.time"));
  auto size = ParseBytes(f.size, "--logs.retention.size");
  if (!size) return Fail(size.error());
  o.retention_ms = time->count();
  o.max_bytes = *size;
  return {};
}

}  // namespace fw::cli
