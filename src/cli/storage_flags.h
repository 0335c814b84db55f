#pragma once
// The metrics store's flags, shared by `firewatch serve` and `firewatch
// metrics import`, with Prometheus's names and syntax:
//   --storage.tsdb.retention.time 15d    blocks older than this are deleted
//   --storage.tsdb.retention.size 10GB   oldest blocks go past this (0: none)
//   --storage.tsdb.block-range 2h        the head is cut into blocks of this
// `--retention` is accepted as a short form of the first.

#include <CLI/CLI.hpp>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "metrics/tsdb/db.h"

namespace fw::cli {

struct StorageFlags {
  std::string retention = "15d";
  std::string retention_size = "0";
  std::string block_range = "2h";
};

void AddStorageFlags(CLI::App* cmd, StorageFlags& flags);

// kInvalidArgument names the bad flag. `clock` must outlive the Db.
Result<metrics::tsdb::DbOptions> ToDbOptions(const StorageFlags& flags, Clock& clock);

}  // namespace fw::cli
