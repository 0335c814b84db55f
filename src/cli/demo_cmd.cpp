// `firewatch demo`: the main job end to end. Until alerting and response
// land, it runs the headline outage scenario and prints what happened.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "sim/builtin_scenarios.h"
#include "sim/run_output.h"
#include "sim/summary.h"

namespace fw::cli {

void RegisterDemo(CLI::App& app, ExitStatus& status) {
  auto* demo = app.add_subcommand(
      "demo", "Run the headline outage (db-pool-exhaustion) and show what production went through");
  static std::string out_dir = "out/demo";
  demo->add_option("--out", out_dir, "Where to write the run's metrics, logs and changes")
      ->capture_default_str();
  demo->callback([&status] {
    auto sc = sim::LoadBuiltinScenario("db-pool-exhaustion");
    if (!sc) return ReportError(sc.error(), status);
    sim::Simulator simulator(std::move(*sc));
    auto out = sim::RunToDirectory(simulator, out_dir);
    if (!out) return ReportError(out.error(), status);
    std::cout << sim::RenderSummary(simulator) << "\n"
              << "metrics, logs and change events are in " << out_dir << "/\n";
  });
}

}  // namespace fw::cli
