// `firewatch check config FILE`: validates a config file without starting
// anything, like promtool check config. Exit 0 when valid, 2 otherwise.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/config_file.h"

namespace fw::cli {
namespace {

void CheckConfig(const std::string& file, ExitStatus& status) {
  std::vector<Error> errors;
  auto cfg = LoadConfigFile(file, &errors);
  if (!cfg) {
    for (const Error& e : errors) std::cerr << "firewatch: " << e.ToString() << "\n";
    status.code = ExitCodeFor(cfg.error());
    return;
  }
  std::cout << file << ": ok (" << cfg->scrape.scrape_configs.size() << " scrape configs, "
            << cfg->scrape.StaticTargetCount() << " static targets)\n";
}

}  // namespace

void RegisterCheck(CLI::App& app, ExitStatus& status) {
  auto* check = app.add_subcommand("check", "Validate configuration files");
  check->require_subcommand(1);
  auto* config = check->add_subcommand("config", "Validate a firewatch.yml (exit 2 when invalid)");
  static std::string file;
  config->add_option("file", file, "The config file")->required();
  config->callback([&status] { CheckConfig(file, status); });
  AddCheckRules(*check, status);
}

}  // namespace fw::cli
