#pragma once
// The scrape half of firewatch's config file, in Prometheus's own keys:
//
//   global:         {scrape_interval: 1m, scrape_timeout: 10s}
//   scrape_configs: [{job_name, scrape_interval, scrape_timeout, metrics_path,
//                     scheme, honor_labels, honor_timestamps, params,
//                     sample_limit, body_size_limit, label_limit,
//                     label_name_length_limit, label_value_length_limit, authorization,
//                     basic_auth, static_configs, http_sd_configs}]
//
// Defaults follow Prometheus: interval 1m, timeout 10s (never above the
// interval), path /metrics, honor_timestamps true, SD refresh 60s. Only
// scheme http is supported. Unknown keys are errors; every error names
// file:line:column and the field. See docs/metrics.md, "Scraping".

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/error.h"
#include "common/labels.h"
#include "common/yaml_reader.h"

namespace fw::metrics::ingest {

// Targets sharing labels: one entry of static_configs, or one element of an
// HTTP SD response.
struct TargetGroup {
  std::vector<std::string> targets;  // "host:port"
  LabelSet labels;                   // may hold __metrics_path__, __scheme__, __param_x
};

struct HttpSdConfig {
  std::string url;  // http://host:port/path
  Millis refresh_interval{60'000};
};

struct BasicAuth {
  std::string username, password;
};

struct ScrapeConfig {
  std::string job_name;
  Millis scrape_interval{60'000};
  Millis scrape_timeout{10'000};
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::vector<std::pair<std::string, std::string>> params;  // repeats allowed
  uint64_t sample_limit = 0;                                // 0: no limit
  // Prometheus's per-job label limits (0: none); a series over one, or with
  // a name or value that is not UTF-8, fails the whole scrape (up = 0).
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t body_size_limit = 0;  // bytes; 0: kMaxScrapeBodyBytes
  std::string bearer_token;      // authorization: {type: Bearer, credentials}
  std::optional<BasicAuth> basic_auth;
  std::vector<TargetGroup> static_configs;
  std::vector<HttpSdConfig> http_sd_configs;
};

// The cap on a scrape body when body_size_limit is 0, so that a broken
// exporter cannot exhaust memory.
inline constexpr uint64_t kMaxScrapeBodyBytes = 256ull << 20;

struct GlobalScrapeConfig {
  Millis scrape_interval{60'000};
  Millis scrape_timeout{10'000};
};

struct ScrapeSettings {
  GlobalScrapeConfig global;
  std::vector<ScrapeConfig> scrape_configs;  // global defaults already applied

  size_t StaticTargetCount() const;
};

// Reads the `global` and `scrape_configs` keys of `root` (other top-level
// keys are the caller's business), recording errors in `r`.
void ReadScrapeSettings(YamlReader& r, const YAML::Node& root, ScrapeSettings& out);

// A standalone document holding only `global` and `scrape_configs`. Returns
// the first error; `all_errors`, when given, receives every one.
Result<ScrapeSettings> ParseScrapeSettings(const std::string& yaml, const std::string& source_name,
                                           std::vector<Error>* all_errors = nullptr);

// "" when `name` is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*), else why not.
std::string CheckLabelName(const std::string& name);

}  // namespace fw::metrics::ingest
