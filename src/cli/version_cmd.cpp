#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "common/error.h"
#include "version.h"

namespace fw::cli {

void ReportError(const Error& e, ExitStatus& status) {
  std::cerr << "firewatch: " << e.ToString() << "\n";
  status.code = ExitCodeFor(e);
}

void RegisterVersion(CLI::App& app, ExitStatus& /*status*/) {
  auto* cmd = app.add_subcommand("version", "Print the firewatch version");
  cmd->callback([] { std::cout << "firewatch " << FIREWATCH_VERSION << "\n"; });
}

}  // namespace fw::cli
