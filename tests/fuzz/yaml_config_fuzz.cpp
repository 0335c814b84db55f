// Fuzz target for the YAML loaders: firewatch.yml (LoadConfigFile, the
// `serve --config` and `check config` path, from a file), Prometheus rule
// files (ParseRules) and runbooks (ParseRunbook), all over the same
// YamlReader with its depth and alias limits. Any bytes load or fail with
// file:line:column; nothing crashes or grows without bound.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "alerting/rule_file.h"
#include "cli/config_file.h"
#include "fuzz_target.h"
#include "runbook/runbook.h"

namespace {

// One file per fuzzing session, rewritten for every input: named by the
// parent's pid, which under AFL++'s fork server is the same for every run.
const std::string& ConfigPath() {
  static const std::string path = [] {
    const std::string dir = "/tmp/fw-yaml-fuzz-" + std::to_string(getppid());
    mkdir(dir.c_str(), 0700);
    return dir + "/firewatch.yml";
  }();
  return path;
}

}  // namespace

FW_FUZZ_TARGET(yaml_config) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(ConfigPath(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  auto config = fw::cli::LoadConfigFile(ConfigPath());
  if (!config) {
    FW_FUZZ_CHECK(!config.error().message().empty());
  }
  const fw::alerting::ParsedRules rules = fw::alerting::ParseRules(text, "rules.yml");
  (void)rules;
  auto runbook = fw::runbook::ParseRunbook(text, "runbook.yml");
  if (!runbook) FW_FUZZ_CHECK(!runbook.error().message().empty());
  return 0;
}
