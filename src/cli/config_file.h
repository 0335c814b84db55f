#pragma once
// firewatch.yml, the server's config file: the scrape settings (Prometheus
// keys `global` and `scrape_configs`), `storage: {dir: DIR}`, rules
// (`rule_files`, `global.evaluation_interval`), routing (Alertmanager's
// `route`, `receivers`, `inhibit_rules`), `schedules`,
// `escalation_policies` and `incidents: {reopen_window, escalation_policy}`.
// Any other top-level key is an error saying it is not supported yet, so a
// config written for a later version fails loudly instead of half-working.
// Errors name file:line:column and the field.

#include <string>
#include <vector>

#include "cli/serve_alerting.h"
#include "common/error.h"
#include "metrics/ingest/scrape_config.h"

namespace fw::cli {

struct ConfigFile {
  metrics::ingest::ScrapeSettings scrape;
  std::string storage_dir;    // empty when not set
  AlertingSettings alerting;  // rule_files resolved against the file's directory
};

// Reads and validates `path`. Returns the first error; `all_errors`, when
// given, receives every error found.
Result<ConfigFile> LoadConfigFile(const std::string& path,
                                  std::vector<Error>* all_errors = nullptr);

}  // namespace fw::cli
