// `firewatch check config FILE`: validates a config file without starting
// anything, like promtool check config. Exit 0 when valid, 2 otherwise.

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "alerting/rule_file.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "db/databases.h"
#include "pipeline/pipeline.h"

namespace fw::cli {
namespace {

// Loads `file`, printing every problem in it; nullopt (and the exit code set)
// when it is invalid.
std::optional<ConfigFile> LoadReporting(const std::string& file, ExitStatus& status) {
  std::vector<Error> errors;
  auto cfg = LoadConfigFile(file, &errors);
  if (cfg) return std::move(*cfg);
  for (const Error& e : errors) std::cerr << "firewatch: " << e.ToString() << "\n";
  status.code = ExitCodeFor(cfg.error());
  return std::nullopt;
}

void CheckConfig(const std::string& file, ExitStatus& status) {
  auto cfg = LoadReporting(file, status);
  if (!cfg) return;
  size_t rules = 0;
  for (const std::string& f : cfg->pipeline.alerting.rule_files) {
    const alerting::ParsedRules parsed = alerting::LoadRuleFile(f);
    for (const Error& e : parsed.errors) std::cerr << "firewatch: " << e.ToString() << "\n";
    if (!parsed.errors.empty()) status.code = 2;
    rules += parsed.rule_count();
  }
  auto runbooks = pipeline::LoadSiteRunbooks(cfg->pipeline, /*check_actions=*/true);
  if (!runbooks) {
    std::cerr << "firewatch: " << runbooks.error().ToString() << "\n";
    status.code = 2;
  }
  if (status.code != 0) return;
  std::cout << file << ": ok (" << cfg->scrape.scrape_configs.size() << " scrape configs, "
            << cfg->scrape.StaticTargetCount() << " static targets, "
            << cfg->pipeline.alerting.rule_files.size() << " rule files with " << rules
            << " rules, " << cfg->pipeline.alerting.routing.receivers.size() << " receivers, "
            << runbooks->runbooks.size() << " runbooks, " << cfg->pipeline.actions.actions.size()
            << " actions, " << cfg->pipeline.databases.databases.size() << " databases)\n";
}

// Connects to each declared database with its read-only account and asks
// what the analysis asks at an incident's onset: proves the address, the
// password and the privileges before an incident needs them.
void CheckDatabases(const std::string& file, const std::string& only, ExitStatus& status) {
  auto cfg = LoadReporting(file, status);
  if (!cfg) return;
  size_t asked = 0;
  for (const db::DatabaseConfig& d : cfg->pipeline.databases.databases) {
    if (!only.empty() && d.name != only) continue;
    ++asked;
    const rca::DbSnapshot s = db::DiagnoseOne(d);
    std::cout << db::DescribeSnapshot(s);
    if (!s.error.empty()) status.code = 1;
  }
  if (asked == 0) {
    std::cerr << "firewatch: " << file << " declares no database"
              << (only.empty() ? "" : " named " + only) << " (databases:, docs/databases.md)\n";
    status.code = 2;
  }
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
  auto* dbs = check->add_subcommand(
      "databases",
      "Connect to the databases a firewatch.yml declares and run the analysis' diagnostic "
      "queries (exit 1 when one cannot be reached)");
  static std::string db_file, db_name;
  dbs->add_option("file", db_file, "The config file")->required();
  dbs->add_option("--database", db_name, "Only this database (its name in firewatch.yml)");
  dbs->callback([&status] { CheckDatabases(db_file, db_name, status); });
}

}  // namespace fw::cli
