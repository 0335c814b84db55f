#pragma once
// Flags and helpers shared by the `sim` subcommands.

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "sim/scenario.h"

namespace CLI {
class App;
}

namespace fw::cli {

struct ExitStatus;

struct ScenarioFlags {
  std::string name;
  std::string file;
  std::string duration;
  std::optional<uint64_t> seed;
};

void AddScenarioFlags(CLI::App* cmd, ScenarioFlags& flags);
// Loads the named or given scenario and applies --duration / --seed.
Result<sim::Scenario> ResolveScenario(const ScenarioFlags& flags);

void RegisterSimServe(CLI::App* sim, ExitStatus& status);

}  // namespace fw::cli
