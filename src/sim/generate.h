#pragma once
// Scenarios nobody wrote: a seed draws one failure of one class (the
// catalog's categories), its magnitude, route, instance, timing and the
// environment it hits (fleet size, cores, pool and database limits,
// traffic level and swing), plus decoys that did not cause it (harmless
// releases, flag flips, scaling, config changes before and after the
// fault) and, for some classes, the knock-on faults real outages show
// (slow queries that saturate the pool, a leak whose OOM kills look like
// crashes). The result is a scenario file's text, so a case can be saved,
// read and replayed, and its `expect:` key says what really went wrong.
//
//   auto g = GenerateScenario(1007);      // class drawn from the seed
//   auto h = GenerateScenario(1007, "memory_leak");
//   h->scenario.expect->root_cause        // "memory_leak"
//
// The same seed gives the same scenario on every machine (sim::Rng).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "sim/scenario.h"

namespace fw::sim {

struct GeneratedScenario {
  std::string fault_class;  // the expected root cause
  std::string variant;      // how it was drawn, e.g. "deploy", "flag", "standalone"
  Millis failure_at{0};     // when the failure begins (offset from the start)
  std::string yaml;         // the scenario file
  Scenario scenario;        // `yaml`, parsed
};

// Draws the scenario of `seed`. `only_class` ("" = any, chosen from the
// seed so that consecutive seeds cycle through the classes) must be one of
// rca's categories; anything else is kInvalidArgument.
Result<GeneratedScenario> GenerateScenario(uint64_t seed, std::string_view only_class = "");

}  // namespace fw::sim
