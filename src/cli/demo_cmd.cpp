// `firewatch demo`: the main job end to end. Until alerting and response
// land, it runs the headline outage, plays the operator who rolls the bad
// release back, and prints what production went through.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "common/duration.h"
#include "sim/builtin_scenarios.h"
#include "sim/run_output.h"
#include "sim/summary.h"

namespace fw::cli {
namespace {

// Rolls back at a fixed point of the simulated timeline, as an on-call
// engineer would once the outage is obvious.
class RollbackAt final : public sim::SimSink {
 public:
  RollbackAt(sim::Simulator& sim, Timestamp at) : sim_(sim), at_(at) {}
  void OnLog(std::string_view) override {}
  void OnChange(std::string_view) override {}
  void OnScrape(Timestamp t, const sim::Simulator&) override {
    if (done_ || t < at_) return;
    done_ = true;
    result = sim_.Apply({sim::ActionType::kRollback, "", 0, "demo-operator"});
  }
  sim::ActionResult result;

 private:
  sim::Simulator& sim_;
  Timestamp at_;
  bool done_ = false;
};

}  // namespace

void RegisterDemo(CLI::App& app, ExitStatus& status) {
  auto* demo = app.add_subcommand(
      "demo", "Run the headline outage (db-pool-exhaustion), roll it back, show what happened");
  static std::string out_dir = "out/demo";
  static std::string rollback_at = "30m";
  demo->add_option("--out", out_dir, "Where to write the run's metrics, logs and changes")
      ->capture_default_str();
  demo->add_option("--rollback-at", rollback_at, "When the operator rolls back the release")
      ->capture_default_str();
  demo->callback([&status] {
    auto sc = sim::LoadBuiltinScenario("db-pool-exhaustion");
    if (!sc) return ReportError(sc.error(), status);
    auto at = ParseDuration(rollback_at);
    if (!at) return ReportError(at.error().WithContext("--rollback-at"), status);
    sc->events.push_back({*at, 0, std::nullopt, std::nullopt,
                          sim::ActionSpec{sim::ActionType::kRollback, "", 0, "demo-operator"}});
    sim::Simulator simulator(std::move(*sc));
    auto out = sim::RunToDirectory(simulator, out_dir);
    if (!out) return ReportError(out.error(), status);
    std::cout << sim::RenderSummary(simulator) << "\n"
              << "metrics, logs and change events are in " << out_dir << "/\n";
  });
}

}  // namespace fw::cli
