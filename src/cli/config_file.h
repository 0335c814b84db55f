#pragma once
// firewatch.yml, the server's config file: `server: {listen, tokens}`, the
// scrape settings (Prometheus keys `global` and `scrape_configs`),
// `storage: {dir: DIR}`, rules (`rule_files`, `global.evaluation_interval`),
// routing (Alertmanager's `route`, `receivers`, `inhibit_rules`,
// `time_intervals`, plus `flap_detection`), `schedules`,
// `escalation_policies`, `incidents: {reopen_window, escalation_policy,
// severity, group_by, correlate_within, auto_resolve, resolve_after}`,
// `runbooks: {dir}`, `response:` (the responder's approval policy),
// `actions:` (the site's runbook actions) and `log_files:`. Any other top-level key is an error
// saying it is not supported yet, so a config written for a later version
// fails loudly instead of half-working. Errors name file:line:column and the
// field. Relative paths (storage.dir, rule_files, runbooks.dir, token_file)
// are resolved against the config file's directory. See docs/server.md and
// docs/alerting.md.

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/ingest/scrape_config.h"
#include "pipeline/settings.h"
#include "server/http.h"

namespace fw::cli {

// `server:` (listen, tokens, threads, max_connections, require_read_token). A
// token may list read `scopes`. A token is written inline (`token`), read
// from a file
// (`token_file`, trailing newline dropped) or from an environment variable
// (`token_env`), exactly one of the three.
struct ServerSettings {
  std::string listen_host;  // empty when `listen` is not set
  int listen_port = 0;
  std::vector<server::TokenSpec> tokens;
  uint64_t threads = 0;          // request workers; 0: the server's default
  uint64_t max_connections = 0;  // open connections at once; 0: the server's default
  // Reads need a token; unset: only when listening beyond loopback.
  std::optional<bool> require_read_token;
  bool public_status = false;                  // the web status page needs no token (docs/web.md)
  bool secure_cookies = false;                 // the console's session cookie is always Secure
  std::vector<std::string> status_components;  // the status page's components (services)
};

struct ConfigFile {
  ServerSettings server;
  metrics::ingest::ScrapeSettings scrape;
  std::string storage_dir;      // resolved; empty when not set
  pipeline::Settings pipeline;  // paths resolved against the file's directory
};

// Reads and validates `path`. Returns the first error; `all_errors`, when
// given, receives every error found.
Result<ConfigFile> LoadConfigFile(const std::string& path,
                                  std::vector<Error>* all_errors = nullptr);

// "host:port" or "[v6]:port" into its parts; the error says what to write.
Result<std::pair<std::string, int>> ParseListenAddress(const std::string& text);

}  // namespace fw::cli
