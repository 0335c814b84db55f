#include "cli/config_file.h"

#include <glob.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml_reader.h"

namespace fw::cli {
namespace {

const std::set<std::string> kTopLevel = {
    "global",    "scrape_configs", "storage",   "rule_files",          "route",
    "receivers", "inhibit_rules",  "schedules", "escalation_policies", "incidents"};

// rule_files entries, relative to the config file, with globs expanded; a
// pattern that matches nothing is an error (a typo would silently drop rules).
void ReadRuleFiles(YamlReader& r, const YAML::Node& root, const std::string& config_path,
                   std::vector<std::string>& out) {
  std::vector<std::string> patterns;
  r.StrList(root, "", "rule_files", patterns);
  const std::filesystem::path dir = std::filesystem::path(config_path).parent_path();
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::filesystem::path p(patterns[i]);
    const std::string full = (p.is_absolute() ? p : dir / p).string();
    glob_t g{};
    const int rc = glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) out.push_back(g.gl_pathv[k]);
    } else {
      r.Fail(YamlChild(root, "rule_files")[i], YamlReader::Index("rule_files", i),
             "no file matches \"" + patterns[i] + "\"");
    }
    globfree(&g);
  }
}

void ReadAlerting(YamlReader& r, const YAML::Node& root, const std::string& path,
                  AlertingSettings& out) {
  const YAML::Node global = YamlChild(root, "global");
  if (global.IsMap()) r.Dur(global, "global", "evaluation_interval", out.evaluation_interval);
  ReadRuleFiles(r, root, path, out.rule_files);
  out.routing = alerting::ParseRouting(r, root);
  out.oncall = incident::ParseOnCall(r, root);
  const YAML::Node inc = YamlChild(root, "incidents");
  if (inc.IsDefined() && r.Keys(inc, "incidents", {"reopen_window", "escalation_policy"})) {
    r.Dur(inc, "incidents", "reopen_window", out.reopen_window);
    r.Str(inc, "incidents", "escalation_policy", out.escalation_policy);
    if (!out.escalation_policy.empty() && !out.oncall.FindPolicy(out.escalation_policy)) {
      r.Fail(YamlChild(inc, "escalation_policy"), "incidents.escalation_policy",
             "no escalation policy named \"" + out.escalation_policy + "\"");
    }
  }
}

void ReadTopLevel(YamlReader& r, const YAML::Node& root, const std::string& path, ConfigFile& out) {
  if (!root.IsMap()) return r.Fail(root, "", "a config file must be a YAML mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (kTopLevel.contains(key)) continue;
    r.Fail(kv.first, key,
           "not supported yet (see docs/alerting.md and docs/metrics.md for the keys)");
  }
  metrics::ingest::ReadScrapeSettings(r, root, out.scrape);
  ReadAlerting(r, root, path, out.alerting);
  const YAML::Node storage = YamlChild(root, "storage");
  if (r.Keys(storage, "storage", {"dir"})) r.Str(storage, "storage", "dir", out.storage_dir);
}

}  // namespace

Result<ConfigFile> LoadConfigFile(const std::string& path, std::vector<Error>* all_errors) {
  auto fail = [&](Error e) {
    if (all_errors) all_errors->push_back(e);
    return Fail(std::move(e));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error(ErrorCode::kNotFound, "cannot read config file " + path));
  std::stringstream buf;
  buf << in.rdbuf();
  auto root = LoadYaml(buf.str(), path);
  if (!root) return fail(root.error());
  YamlReader r(path);
  ConfigFile out;
  try {
    if (!root->IsNull()) ReadTopLevel(r, *root, path, out);
  } catch (const YAML::Exception& e) {
    return fail(Error(ErrorCode::kInvalidArgument, "invalid config: " + e.msg,
                      {path, e.mark.line + 1, e.mark.column + 1}));
  }
  if (all_errors) *all_errors = r.errors();
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

}  // namespace fw::cli
