#include "metrics/remote/remote_settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fw::metrics::remote {
namespace {

// The token from the environment or a file (trailing newline dropped); ""
// after recording an error.
std::string BearerToken(YamlReader& r, const YAML::Node& n, const std::string& config_dir) {
  std::string env, file;
  r.Str(n, "remote_metrics", "bearer_token_env", env);
  r.Str(n, "remote_metrics", "bearer_token_file", file);
  if (!env.empty() && !file.empty()) {
    r.Fail(n, "remote_metrics", "set bearer_token_env or bearer_token_file, not both");
    return "";
  }
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Fail(YamlChild(n, "bearer_token_env"), "remote_metrics.bearer_token_env",
             "environment variable " + env + " is not set");
      return "";
    }
    return v;
  }
  if (file.empty()) return "";
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(config_dir) / p;
  std::ifstream in(p);
  std::stringstream buf;
  if (in) buf << in.rdbuf();
  std::string token = buf.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (!in || token.empty()) {
    r.Fail(YamlChild(n, "bearer_token_file"), "remote_metrics.bearer_token_file",
           "cannot read a token from " + p.string());
  }
  return token;
}

}  // namespace

RemoteMetricsSettings ReadRemoteMetrics(YamlReader& r, const YAML::Node& root,
                                        const std::string& config_dir) {
  RemoteMetricsSettings out;
  const YAML::Node n = YamlChild(root, "remote_metrics");
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!r.Keys(n, "remote_metrics",
              {"url", "timeout", "headers", "bearer_token_env", "bearer_token_file"})) {
    return out;
  }
  r.Str(n, "remote_metrics", "url", out.url);
  if (!out.url.starts_with("http://")) {
    r.Fail(YamlChild(n, "url").IsDefined() ? YamlChild(n, "url") : n, "remote_metrics.url",
           "expected http://host:port[/prefix] of a Prometheus-compatible query API (https is "
           "not supported yet: reach it through a local TLS-terminating proxy)");
    out.url.clear();
  }
  while (out.url.ends_with("/")) out.url.pop_back();
  r.Dur(n, "remote_metrics", "timeout", out.timeout);
  r.StrMap(n, "remote_metrics", "headers", out.headers);
  if (std::string token = BearerToken(r, n, config_dir); !token.empty()) {
    out.headers.emplace_back("Authorization", "Bearer " + token);
  }
  return out;
}

}  // namespace fw::metrics::remote
