#include "sim/builtin_scenarios.h"

namespace fw::sim {

Result<Scenario> LoadBuiltinScenario(const std::string& name) {
  std::string known;
  for (const EmbeddedFile& f : BuiltinScenarioFiles()) {
    if (name == f.name) return ParseScenario(f.content, std::string(f.name) + ".yml");
    known += (known.empty() ? "" : ", ") + std::string(f.name);
  }
  return Fail(ErrorCode::kNotFound, "unknown scenario \"" + name + "\" (built-in: " + known +
                                        "; or pass --scenario-file)");
}

}  // namespace fw::sim
