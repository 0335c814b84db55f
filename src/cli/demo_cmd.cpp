// `firewatch demo`: the whole story on the embedded simulated production.
// Flags here; the run is in demo_run.cpp.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/demo_run.h"

namespace fw::cli {

void RegisterDemo(CLI::App& app, ExitStatus& status) {
  auto* demo = app.add_subcommand(
      "demo",
      "Run a scenario on the simulated production and let firewatch handle the incident end to "
      "end: detection, paging, root-cause analysis, runbook, recovery, report");
  static DemoOptions o;
  demo->add_option("--scenario", o.scenario, "Built-in scenario (see `firewatch sim scenarios`)")
      ->capture_default_str();
  demo->add_option("--scenario-file", o.scenario_file, "A scenario YAML file instead");
  demo->add_option("--speed", o.speed,
                   "\"max\", or simulated seconds per real second (60 = a minute per second)")
      ->capture_default_str();
  demo->add_option("--out", o.out_dir, "Directory for the run's data (wiped) and report")
      ->capture_default_str();
  demo->add_option("--report", o.report_file, "Report file (default OUT/report.md)");
  demo->add_option("--report-format", o.report_format, "markdown, json or html")
      ->capture_default_str();
  demo->add_option("--json", o.json_file, "Write a JSON summary of the run here");
  demo->add_option("--rules", o.rules_file, "Rule file (default: the shipped golden signals)");
  demo->add_option("--runbooks", o.runbooks_dir, "Runbook directory (default: the shipped ones)");
  demo->add_flag("--serve", o.serve, "Keep the API up afterwards for exploring (Ctrl-C stops)");
  demo->add_option("--bind", o.bind, "Address for --serve")->capture_default_str();
  demo->add_option("--port", o.port, "Port for --serve")->capture_default_str();
  demo->callback([&status] {
    if (auto r = RunDemo(o, std::cout); !r) ReportError(r.error(), status);
  });
}

}  // namespace fw::cli
