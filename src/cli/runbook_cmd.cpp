// `firewatch runbook`: not wired yet.

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace fw::cli {

void RegisterRunbook(CLI::App&, ExitStatus&) {}

}  // namespace fw::cli
