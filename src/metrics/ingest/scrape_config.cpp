#include "metrics/ingest/scrape_config.h"

#include <cctype>
#include <set>

namespace fw::metrics::ingest {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// "" or the reason `t` is not a host:port scrape target.
std::string CheckTarget(const std::string& t) {
  if (t.empty()) return "empty target";
  if (t.find("://") != std::string::npos) {
    return "\"" + t + "\" is a URL; targets are host:port (set scheme and metrics_path apart)";
  }
  if (t.find('/') != std::string::npos) return "\"" + t + "\" contains a path; expected host:port";
  const size_t colon = t.rfind(':');
  if (colon == std::string::npos || colon + 1 == t.size()) {
    return "\"" + t + "\" has no port; expected host:port";
  }
  for (size_t i = colon + 1; i < t.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) {
      return "\"" + t + "\" has a bad port; expected host:port";
    }
  }
  return "";
}

// Sizes as Prometheus writes them: 0, 512, 10KB, 100MB, 1GB (base 2).
std::optional<uint64_t> ParseByteSize(const std::string& s) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i < 15) {
    n = n * 10 + static_cast<uint64_t>(s[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  const std::string unit = s.substr(i);
  static const std::pair<const char*, uint64_t> kUnits[] = {{"", 1},
                                                            {"B", 1},
                                                            {"KB", 1ull << 10},
                                                            {"MB", 1ull << 20},
                                                            {"GB", 1ull << 30},
                                                            {"KiB", 1ull << 10},
                                                            {"MiB", 1ull << 20},
                                                            {"GiB", 1ull << 30}};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) return n * mult;
  }
  return std::nullopt;
}

void ReadGlobal(YamlReader& r, const YAML::Node& n, GlobalScrapeConfig& g) {
  // evaluation_interval belongs to the rules (read by the config loader).
  if (!r.Keys(n, "global", {"scrape_interval", "scrape_timeout", "evaluation_interval"})) return;
  r.Dur(n, "global", "scrape_interval", g.scrape_interval);
  r.Dur(n, "global", "scrape_timeout", g.scrape_timeout);
  if (g.scrape_timeout > g.scrape_interval) {
    r.Fail(YamlChild(n, "scrape_timeout"), "global.scrape_timeout",
           FormatDuration(g.scrape_timeout) + " is longer than scrape_interval " +
               FormatDuration(g.scrape_interval));
  }
}

void ReadAuth(YamlReader& r, const YAML::Node& job, const std::string& path, ScrapeConfig& c) {
  const YAML::Node auth = YamlChild(job, "authorization");
  const std::string apath = YamlReader::Join(path, "authorization");
  if (auth.IsDefined() && !auth.IsNull() && r.Keys(auth, apath, {"type", "credentials"})) {
    std::string type = "Bearer";
    r.Str(auth, apath, "type", type);
    if (type != "Bearer") {
      r.Fail(YamlChild(auth, "type"), apath + ".type",
             "unsupported type \"" + type + "\" (only Bearer)");
    }
    r.Str(auth, apath, "credentials", c.bearer_token);
    if (c.bearer_token.empty()) r.Fail(auth, apath + ".credentials", "required");
  }
  const YAML::Node basic = YamlChild(job, "basic_auth");
  const std::string bpath = YamlReader::Join(path, "basic_auth");
  if (basic.IsDefined() && !basic.IsNull() && r.Keys(basic, bpath, {"username", "password"})) {
    BasicAuth b;
    r.Str(basic, bpath, "username", b.username);
    r.Str(basic, bpath, "password", b.password);
    if (b.username.empty()) r.Fail(basic, bpath + ".username", "required");
    c.basic_auth = b;
    if (!c.bearer_token.empty()) {
      r.Fail(basic, bpath, "authorization and basic_auth are mutually exclusive");
    }
  }
}

void ReadParams(YamlReader& r, const YAML::Node& job, const std::string& path, ScrapeConfig& c) {
  const YAML::Node params = YamlChild(job, "params");
  const std::string ppath = YamlReader::Join(path, "params");
  if (!params.IsDefined() || params.IsNull()) return;
  if (!params.IsMap()) return r.Fail(params, ppath, "expected a mapping of names to lists");
  for (const auto& kv : params) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    std::vector<std::string> values;
    r.StrList(params, ppath, name.c_str(), values);
    for (std::string& v : values) c.params.emplace_back(name, std::move(v));
  }
}

void ReadStaticConfigs(YamlReader& r, const YAML::Node& job, const std::string& path,
                       ScrapeConfig& c) {
  const YAML::Node list = YamlChild(job, "static_configs");
  const std::string spath = YamlReader::Join(path, "static_configs");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) return r.Fail(list, spath, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node g = list[i];
    const std::string gpath = YamlReader::Index(spath, i);
    if (!r.Keys(g, gpath, {"targets", "labels"})) continue;
    TargetGroup group;
    r.StrList(g, gpath, "targets", group.targets);
    const YAML::Node targets = YamlChild(g, "targets");
    for (size_t t = 0; t < group.targets.size(); ++t) {
      if (std::string why = CheckTarget(group.targets[t]); !why.empty()) {
        r.Fail(targets[t], YamlReader::Index(gpath + ".targets", t), why);
      }
    }
    Pairs labels;
    r.StrMap(g, gpath, "labels", labels, &CheckLabelName);
    for (const auto& [k, v] : labels) group.labels.Set(k, v);
    c.static_configs.push_back(std::move(group));
  }
}

void ReadHttpSd(YamlReader& r, const YAML::Node& job, const std::string& path, ScrapeConfig& c) {
  const YAML::Node list = YamlChild(job, "http_sd_configs");
  const std::string spath = YamlReader::Join(path, "http_sd_configs");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) return r.Fail(list, spath, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string npath = YamlReader::Index(spath, i);
    if (!r.Keys(n, npath, {"url", "refresh_interval"})) continue;
    HttpSdConfig sd;
    r.Str(n, npath, "url", sd.url);
    r.Dur(n, npath, "refresh_interval", sd.refresh_interval);
    if (sd.url.empty()) {
      r.Fail(n, npath + ".url", "required");
    } else if (sd.url.starts_with("https://")) {
      r.Fail(YamlChild(n, "url"), npath + ".url", "https is not supported yet; use http://");
    } else if (!sd.url.starts_with("http://") || sd.url.size() <= 7) {
      r.Fail(YamlChild(n, "url"), npath + ".url",
             "expected an http:// URL, got \"" + sd.url + "\"");
    }
    c.http_sd_configs.push_back(std::move(sd));
  }
}

void ReadLimits(YamlReader& r, const YAML::Node& job, const std::string& path, ScrapeConfig& c) {
  r.Uint(job, path, "sample_limit", c.sample_limit);
  r.Uint(job, path, "label_limit", c.label_limit);
  r.Uint(job, path, "label_name_length_limit", c.label_name_length_limit);
  r.Uint(job, path, "label_value_length_limit", c.label_value_length_limit);
  const YAML::Node body = YamlChild(job, "body_size_limit");
  if (body.IsDefined() && !body.IsNull()) {
    auto size = body.IsScalar() ? ParseByteSize(body.Scalar()) : std::nullopt;
    if (!size) {
      r.Fail(body, path + ".body_size_limit", "expected a size like 0, 512KB, 10MB or 1GB");
    } else {
      c.body_size_limit = *size;
    }
  }
}

void ReadTiming(YamlReader& r, const YAML::Node& job, const std::string& path,
                const GlobalScrapeConfig& g, ScrapeConfig& c) {
  c.scrape_interval = g.scrape_interval;
  r.Dur(job, path, "scrape_interval", c.scrape_interval);
  const bool has_timeout = YamlChild(job, "scrape_timeout").IsDefined();
  // As Prometheus: an inherited timeout shrinks to fit a shorter interval.
  c.scrape_timeout = std::min(g.scrape_timeout, c.scrape_interval);
  r.Dur(job, path, "scrape_timeout", c.scrape_timeout);
  if (has_timeout && c.scrape_timeout > c.scrape_interval) {
    r.Fail(YamlChild(job, "scrape_timeout"), path + ".scrape_timeout",
           FormatDuration(c.scrape_timeout) + " is longer than scrape_interval " +
               FormatDuration(c.scrape_interval));
  }
}

void ReadHttp(YamlReader& r, const YAML::Node& job, const std::string& path, ScrapeConfig& c) {
  r.Str(job, path, "metrics_path", c.metrics_path);
  if (!c.metrics_path.starts_with("/")) {
    r.Fail(YamlChild(job, "metrics_path"), path + ".metrics_path", "must start with /");
  }
  r.Str(job, path, "scheme", c.scheme);
  if (c.scheme == "https") {
    r.Fail(YamlChild(job, "scheme"), path + ".scheme",
           "https is not supported yet; scrape over http (or put a TLS-terminating proxy in "
           "front of the scraper)");
  } else if (c.scheme != "http") {
    r.Fail(YamlChild(job, "scheme"), path + ".scheme",
           "unknown scheme \"" + c.scheme + "\" (expected http)");
  }
  r.Bool(job, path, "honor_labels", c.honor_labels);
  r.Bool(job, path, "honor_timestamps", c.honor_timestamps);
}

void ReadJob(YamlReader& r, const YAML::Node& job, const std::string& path,
             const GlobalScrapeConfig& g, ScrapeConfig& c) {
  if (!r.Keys(job, path,
              {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme",
               "honor_labels", "honor_timestamps", "params", "sample_limit", "body_size_limit",
               "label_limit", "label_name_length_limit", "label_value_length_limit",
               "authorization", "basic_auth", "static_configs", "http_sd_configs"})) {
    return;
  }
  r.Str(job, path, "job_name", c.job_name);
  if (c.job_name.empty()) r.Fail(job, path + ".job_name", "required");
  ReadTiming(r, job, path, g, c);
  ReadHttp(r, job, path, c);
  ReadParams(r, job, path, c);
  ReadLimits(r, job, path, c);
  ReadAuth(r, job, path, c);
  ReadStaticConfigs(r, job, path, c);
  ReadHttpSd(r, job, path, c);
}

}  // namespace

std::string CheckLabelName(const std::string& name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char ch : name) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
  if (!ok) return "invalid label name \"" + name + "\" (expected [a-zA-Z_][a-zA-Z0-9_]*)";
  return "";
}

size_t ScrapeSettings::StaticTargetCount() const {
  size_t n = 0;
  for (const ScrapeConfig& c : scrape_configs) {
    for (const TargetGroup& g : c.static_configs) n += g.targets.size();
  }
  return n;
}

void ReadScrapeSettings(YamlReader& r, const YAML::Node& root, ScrapeSettings& out) {
  ReadGlobal(r, YamlChild(root, "global"), out.global);
  const YAML::Node jobs = YamlChild(root, "scrape_configs");
  if (!jobs.IsDefined() || jobs.IsNull()) return;
  if (!jobs.IsSequence()) return r.Fail(jobs, "scrape_configs", "expected a list");
  std::set<std::string> names;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const std::string path = YamlReader::Index("scrape_configs", i);
    ScrapeConfig c;
    ReadJob(r, jobs[i], path, out.global, c);
    if (!c.job_name.empty() && !names.insert(c.job_name).second) {
      r.Fail(YamlChild(jobs[i], "job_name"), path + ".job_name",
             "duplicate job name \"" + c.job_name + "\"");
    }
    out.scrape_configs.push_back(std::move(c));
  }
}

Result<ScrapeSettings> ParseScrapeSettings(const std::string& yaml, const std::string& source_name,
                                           std::vector<Error>* all_errors) {
  auto root = LoadYaml(yaml, source_name);
  if (!root) {
    if (all_errors) all_errors->push_back(root.error());
    return Fail(root.error());
  }
  YamlReader r(source_name);
  ScrapeSettings out;
  try {
    if (!root->IsNull() && r.Keys(*root, "", {"global", "scrape_configs"})) {
      ReadScrapeSettings(r, *root, out);
    }
  } catch (const YAML::Exception& e) {  // a conversion the reader did not foresee
    Error err(ErrorCode::kInvalidArgument, "invalid config: " + e.msg,
              {source_name, e.mark.line + 1, e.mark.column + 1});
    if (all_errors) all_errors->push_back(err);
    return Fail(std::move(err));
  }
  if (all_errors) *all_errors = r.errors();
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

}  // namespace fw::metrics::ingest
