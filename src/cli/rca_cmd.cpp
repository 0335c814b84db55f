// `firewatch rca`: not wired yet.

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace fw::cli {

void RegisterRca(CLI::App&, ExitStatus&) {}

}  // namespace fw::cli
