#pragma once
// The scenarios shipped in config/scenarios/, compiled into the binary.

#include <string>
#include <vector>

#include "common/error.h"
#include "sim/scenario.h"

namespace fw::sim {

struct EmbeddedFile {
  const char* name;     // file name without extension, e.g. "db-pool-exhaustion"
  const char* content;  // the YAML text
};

const std::vector<EmbeddedFile>& BuiltinScenarioFiles();

// Loads a built-in scenario by name; kNotFound lists the known names.
Result<Scenario> LoadBuiltinScenario(const std::string& name);

}  // namespace fw::sim
