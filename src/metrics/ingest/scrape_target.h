#pragma once
// Scrape targets and where they come from. A target is what one scrape loop
// polls: an address, a URL path and the labels its samples get. Labels follow
// Prometheus: `job` from job_name, `instance` from the address, then the
// group's labels (static_configs labels or HTTP SD labels), which may set
// __metrics_path__, __scheme__ and __param_<name> for this target only;
// labels starting with "__" are then dropped. A group label overrides job and
// instance, as it does in Prometheus.
//
// HTTP service discovery (Prometheus's http_sd_configs): a GET returning
// [{"targets": ["host:port", ...], "labels": {"name": "value", ...}}, ...].

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/error.h"
#include "common/labels.h"
#include "metrics/ingest/scrape_config.h"

namespace fw::metrics::ingest {

struct ScrapeTarget {
  LabelSet labels;   // job, instance and group labels; no "__" labels
  std::string host;  // without brackets for IPv6
  int port = 80;
  std::string path;  // path plus "?query" from params
  std::string url;   // http://host:port/path?query, for logs and errors
  // Identity: the labels and the URL. Targets with the same hash are one
  // target; the hash also fixes the target's offset within the interval.
  uint64_t hash = 0;
};

// Builds the target for `address` in a group. Fails on a malformed address
// or a __scheme__ other than http.
Result<ScrapeTarget> MakeTarget(const ScrapeConfig& cfg, const std::string& address,
                                const LabelSet& group_labels);

// Every target of `groups`, deduplicated by hash, in group order. Bad
// targets are skipped; their errors go to `errors` when given.
std::vector<ScrapeTarget> TargetsFromGroups(const ScrapeConfig& cfg,
                                            const std::vector<TargetGroup>& groups,
                                            std::vector<Error>* errors = nullptr);

// Parses an HTTP SD response body. Errors name the element ("[2].targets").
Result<std::vector<TargetGroup>> ParseHttpSdResponse(std::string_view body);

// GETs `sd.url` and parses it. Fails (kIo) on network errors or a non-200.
Result<std::vector<TargetGroup>> FetchHttpSd(const HttpSdConfig& sd, Millis timeout);

// Splits "http://host:port/path?q" into host, port and path+query.
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace fw::metrics::ingest
