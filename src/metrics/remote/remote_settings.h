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

// `config_dir` resolves a relative bearer_token_file.
RemoteMetricsSettings ReadRemoteMetrics(YamlReader& r, const YAML::Node& root,
                                        const std::string& config_dir);

}  // namespace fw::metrics::remote
