#include "metrics/remote/remote_settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fw::metrics::remote {
namespace {

// A secret file's content, trailing newline dropped; "" after recording an
// error at `at`.
std::string ReadSecretFile(YamlReader& r, const YAML::Node& at, const std::string& path,
                           const std::string& file, const std::string& config_dir) {
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(config_dir) / p;
  std::ifstream in(p);
  std::stringstream buf;
  if (in) buf << in.rdbuf();
  std::string secret = buf.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (!in || secret.empty()) r.Fail(at, path, "cannot read a token from " + p.string());
  return secret;
}

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
  return ReadSecretFile(r, YamlChild(n, "bearer_token_file"), "remote_metrics.bearer_token_file",
                        file, config_dir);
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
  if (!out.url.starts_with("http://") && !out.url.starts_with("https://")) {
    r.Fail(YamlChild(n, "url").IsDefined() ? YamlChild(n, "url") : n, "remote_metrics.url",
           "expected http(s)://host:port[/prefix] of a Prometheus-compatible query API");
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

namespace {

void ReadQueueConfig(YamlReader& r, const YAML::Node& n, const std::string& path,
                     RemoteWriteTarget& t) {
  const YAML::Node q = YamlChild(n, "queue_config");
  if (!q.IsDefined() || q.IsNull()) return;
  const std::string at = path + ".queue_config";
  if (!r.Keys(q, at, {"capacity", "max_samples_per_send", "batch_send_deadline"})) return;
  uint64_t capacity = t.capacity, per_send = t.max_samples_per_send;
  r.Uint(q, at, "capacity", capacity);
  r.Uint(q, at, "max_samples_per_send", per_send);
  r.Dur(q, at, "batch_send_deadline", t.batch_send_deadline);
  if (per_send == 0 || capacity < per_send) {
    r.Fail(q, at, "need 0 < max_samples_per_send <= capacity");
    return;
  }
  t.capacity = capacity;
  t.max_samples_per_send = per_send;
}

}  // namespace

std::vector<RemoteWriteTarget> ReadRemoteWrite(YamlReader& r, const YAML::Node& root,
                                               const std::string& config_dir) {
  std::vector<RemoteWriteTarget> out;
  const YAML::Node list = YamlChild(root, "remote_write");
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    r.Fail(list, "remote_write", "expected a list of {url, ...} endpoints");
    return out;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string path = YamlReader::Index("remote_write", i);
    if (!r.Keys(n, path,
                {"url", "name", "remote_timeout", "headers", "authorization", "queue_config"})) {
      continue;
    }
    RemoteWriteTarget t;
    r.Str(n, path, "url", t.url);
    if (!t.url.starts_with("http://") && !t.url.starts_with("https://")) {
      r.Fail(YamlChild(n, "url").IsDefined() ? YamlChild(n, "url") : n, path + ".url",
             "expected http(s)://host:port/path of a remote-write receiver");
      continue;
    }
    r.Str(n, path, "name", t.name);
    r.Dur(n, path, "remote_timeout", t.timeout);
    r.StrMap(n, path, "headers", t.headers);
    const YAML::Node auth = YamlChild(n, "authorization");
    if (auth.IsDefined() && !auth.IsNull() &&
        r.Keys(auth, path + ".authorization", {"type", "credentials", "credentials_file"})) {
      std::string type = "Bearer", credentials, file;
      r.Str(auth, path + ".authorization", "type", type);
      r.Str(auth, path + ".authorization", "credentials", credentials);
      r.Str(auth, path + ".authorization", "credentials_file", file);
      if (!file.empty()) {
        credentials = ReadSecretFile(r, YamlChild(auth, "credentials_file"),
                                     path + ".authorization.credentials_file", file, config_dir);
      }
      if (!credentials.empty()) t.headers.emplace_back("Authorization", type + " " + credentials);
    }
    ReadQueueConfig(r, n, path, t);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace fw::metrics::remote
