#pragma once
// firewatch.yml, the server's config file. Today it holds the scrape
// settings (Prometheus keys `global` and `scrape_configs`) and
// `storage: {dir: DIR}`; any other top-level key is an error saying it is
// not supported yet, so a config written for a later version fails loudly
// instead of half-working. Errors name file:line:column and the field.

#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/ingest/scrape_config.h"

namespace fw::cli {

struct ConfigFile {
  metrics::ingest::ScrapeSettings scrape;
  std::string storage_dir;  // empty when not set
};

// Reads and validates `path`. Returns the first error; `all_errors`, when
// given, receives every error found.
Result<ConfigFile> LoadConfigFile(const std::string& path,
                                  std::vector<Error>* all_errors = nullptr);

}  // namespace fw::cli
