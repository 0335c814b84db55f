// `firewatch sim serve`: placeholder until the HTTP server lands.

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/sim_common.h"

namespace fw::cli {

void RegisterSimServe(CLI::App* /*sim*/, ExitStatus& /*status*/) {}

}  // namespace fw::cli
