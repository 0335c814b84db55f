#pragma once
// `remote_metrics:` in firewatch.yml: a Prometheus-compatible query API
// (Prometheus, VictoriaMetrics, Thanos Query, Mimir/Cortex) that the stages
// reading metrics (analysis, runbook verification, reports, rule
// evaluation) read from, beside firewatch's own store:
//
//   remote_metrics:
//     url: http://prometheus.internal:9090    # Mimir: http://mimir/prometheus
//     timeout: 10s                             # each query
//     headers: {X-Scope-OrgID: team-a}         # e.g. a tenant
//     bearer_token_env: PROM_TOKEN             # or bearer_token_file
//
// See docs/metrics.md "Reading metrics from your Prometheus".

#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/yaml_reader.h"

namespace fw::metrics::remote {

struct RemoteMetricsSettings {
  std::string url;  // "" = none: the stages read firewatch's own store only
  Millis timeout{10'000};
  std::vector<std::pair<std::string, std::string>> headers;  // Authorization included
};

// One `remote_write:` endpoint (Prometheus's keys): where firewatch's own
// store forwards every sample it accepts (remote_writer.h).
//
//   remote_write:
//     - url: http://victoria.internal:8428/api/v1/write
//       remote_timeout: 30s
//       headers: {X-Scope-OrgID: team-a}
//       authorization: {credentials_file: secrets/lts.token}   # Bearer
//       queue_config: {capacity: 100000, max_samples_per_send: 2000, batch_send_deadline: 5s}
struct RemoteWriteTarget {
  std::string url;   // http://host:port/path (e.g. .../api/v1/write)
  std::string name;  // for logs and metrics; default: the url
  Millis timeout{30'000};
  std::vector<std::pair<std::string, std::string>> headers;  // Authorization included
  size_t capacity = 100'000;
  size_t max_samples_per_send = 2'000;
  Millis batch_send_deadline{5'000};
};

std::vector<RemoteWriteTarget> ReadRemoteWrite(YamlReader& r, const YAML::Node& root,
                                               const std::string& config_dir);

// `config_dir` resolves a relative bearer_token_file.
RemoteMetricsSettings ReadRemoteMetrics(YamlReader& r, const YAML::Node& root,
                                        const std::string& config_dir);

}  // namespace fw::metrics::remote
