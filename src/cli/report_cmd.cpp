// `firewatch report`: not wired yet.

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace fw::cli {

void RegisterReport(CLI::App&, ExitStatus&) {}

}  // namespace fw::cli
