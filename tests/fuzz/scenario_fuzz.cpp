// Fuzz target for the scenario parser and the model behind it: any bytes
// must give a scenario or a located error, never a crash, and any scenario
// that parses must simulate without one.
//
// Built two ways: with libFuzzer by `make fuzz` (clang), and into
// scenario_fuzz_test, which replays mutations of the built-in scenarios
// under the ASan build of `make test`.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_target.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

FW_FUZZ_TARGET(scenario) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto sc = fw::sim::ParseScenario(text, "fuzz.yml");
  if (!sc) {
    // Errors must say something.
    if (sc.error().message().empty()) FW_FUZZ_CHECK(false);
    return 0;
  }
  fw::sim::Simulator sim(std::move(*sc));
  for (int i = 0; i < 30 && !sim.done(); ++i) sim.Step();
  (void)sim.ProcessList();
  return 0;
}
