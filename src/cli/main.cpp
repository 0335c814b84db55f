// firewatch entry point: builds the command tree and dispatches. Each command
// family lives in its own file and registers itself here.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "firewatch: incident-response engine. Watches a production system, opens and runs\n"
      "the incident, ranks root causes, runs verified runbooks, writes the report."};
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.require_subcommand(1);
  app.fallthrough(false);

  fw::cli::ExitStatus status;
  fw::cli::RegisterVersion(app, status);
  fw::cli::RegisterSim(app, status);
  fw::cli::RegisterServe(app, status);
  fw::cli::RegisterCheck(app, status);
  fw::cli::RegisterPromql(app, status);
  fw::cli::RegisterLogs(app, status);
  fw::cli::RegisterDemo(app, status);
  fw::cli::RegisterIncident(app, status);
  fw::cli::RegisterTest(app, status);
  fw::cli::RegisterAlerts(app, status);
  fw::cli::RegisterSilence(app, status);
  fw::cli::RegisterRca(app, status);
  fw::cli::RegisterRunbook(app, status);
  fw::cli::RegisterReport(app, status);
  fw::cli::RegisterOnCall(app, status);
  fw::cli::RegisterAdmin(app, status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // CLI11 returns 0 for --help; usage errors are bad input (2).
    return rc == 0 ? 0 : 2;
  }
  return status.code;
}
