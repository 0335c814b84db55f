// `firewatch demo`: the main job end to end. Until alerting and response
// land, it runs the headline outage with an operator's rollback in its
// timeline, and prints what production went through.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "common/duration.h"
#include "sim/builtin_scenarios.h"
#include "sim/run_output.h"
#include "sim/summary.h"

namespace fw::cli {

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
    if (*at <= Millis(10 * 60'000) || *at > sc->duration) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "--rollback-at must be after the 10m deploy and within " +
                                   FormatDuration(sc->duration)),
                         status);
    }
    // The operator's rollback joins the timeline in time order.
    sim::TimelineEvent rollback{
        *at, 0, std::nullopt, std::nullopt,
        sim::ActionSpec{sim::ActionType::kRollback, "", 0, "demo-operator"}};
    auto pos = std::upper_bound(
        sc->events.begin(), sc->events.end(), rollback,
        [](const sim::TimelineEvent& a, const sim::TimelineEvent& b) { return a.at < b.at; });
    sc->events.insert(pos, rollback);
    sim::Simulator simulator(std::move(*sc));
    auto out = sim::RunToDirectory(simulator, out_dir);
    if (!out) return ReportError(out.error(), status);
    std::cout << sim::RenderSummary(simulator) << "\n"
              << "metrics, logs and change events are in " << out_dir << "/\n";
  });
}

}  // namespace fw::cli
