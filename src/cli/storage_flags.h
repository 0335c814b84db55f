#pragma once
// The metrics store's flags, shared by `firewatch serve` and `firewatch
// metrics import`, with Prometheus's names and syntax:
//   --storage.tsdb.retention.time 15d    blocks older than this are deleted
//   --storage.tsdb.retention.size 10GB   oldest blocks go past this (0: none)
//   --storage.tsdb.block-range 2h        the head is cut into blocks of this
// `--retention` is accepted as a short form of the first.
// The log store's retention, for `firewatch serve`, in the same style:
//   --logs.retention.time 15d            segments ingested longer ago go
//   --logs.retention.size 0              oldest segments go past this (0: none)

#include <CLI/CLI.hpp>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "logs/store/log_store.h"
#include "metrics/tsdb/db.h"

namespace fw::cli {

struct StorageFlags {
  std::string retention = "15d";
  std::string retention_size = "0";
  std::string block_range = "2h";
};

void AddStorageFlags(CLI::App* cmd, StorageFlags& flags);

struct LogRetentionFlags {
  std::string time = "15d";
  std::string size = "0";
};

void AddLogRetentionFlags(CLI::App* cmd, LogRetentionFlags& flags);

// The options' retention_ms and max_bytes; kInvalidArgument names the bad flag.
Result<void> ApplyLogRetention(const LogRetentionFlags& flags, logs::store::StoreOptions& options);

// kInvalidArgument names the bad flag. `clock` must outlive the Db.
Result<metrics::tsdb::DbOptions> ToDbOptions(const StorageFlags& flags, Clock& clock);

}  // namespace fw::cli
