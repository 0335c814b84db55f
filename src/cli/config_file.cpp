#include "cli/config_file.h"

#include <fstream>
#include <sstream>

#include "common/yaml_reader.h"

namespace fw::cli {
namespace {

void ReadTopLevel(YamlReader& r, const YAML::Node& root, ConfigFile& out) {
  if (!root.IsMap()) return r.Fail(root, "", "a config file must be a YAML mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (key == "global" || key == "scrape_configs" || key == "storage") continue;
    r.Fail(kv.first, key,
           "not supported yet (this version reads global, scrape_configs and storage)");
  }
  metrics::ingest::ReadScrapeSettings(r, root, out.scrape);
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
    if (!root->IsNull()) ReadTopLevel(r, *root, out);
  } catch (const YAML::Exception& e) {
    return fail(Error(ErrorCode::kInvalidArgument, "invalid config: " + e.msg,
                      {path, e.mark.line + 1, e.mark.column + 1}));
  }
  if (all_errors) *all_errors = r.errors();
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

}  // namespace fw::cli
