// `firewatch sim ...`: the embedded production simulator.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/sim_common.h"
#include "common/duration.h"
#include "sim/builtin_scenarios.h"
#include "sim/generate.h"
#include "sim/run_output.h"
#include "sim/summary.h"

namespace fw::cli {

Result<sim::Scenario> ResolveScenario(const ScenarioFlags& f) {
  if (f.name.empty() == f.file.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "give exactly one of --scenario NAME or --scenario-file F");
  }
  auto sc = f.name.empty() ? sim::LoadScenarioFile(f.file) : sim::LoadBuiltinScenario(f.name);
  if (!sc) return sc;
  if (!f.duration.empty()) {
    auto d = ParseDuration(f.duration);
    if (!d) return Fail(d.error().WithContext("--duration"));
    if (d->count() <= 0) return Fail(ErrorCode::kInvalidArgument, "--duration must be > 0");
    sc->duration = *d;
  }
  if (f.seed) sc->seed = *f.seed;
  return sc;
}

void AddScenarioFlags(CLI::App* cmd, ScenarioFlags& f) {
  cmd->add_option("--scenario", f.name, "Built-in scenario name (see `firewatch sim scenarios`)");
  cmd->add_option("--scenario-file", f.file, "Scenario YAML file of your own")
      ->check(CLI::ExistingFile);
  cmd->add_option("--duration", f.duration, "Override the scenario's duration, e.g. 30m");
  cmd->add_option("--seed", f.seed, "Override the scenario's random seed");
}

namespace {

void Scenarios() {
  for (const sim::EmbeddedFile& f : sim::BuiltinScenarioFiles()) {
    auto sc = sim::ParseScenario(f.content, f.name);
    std::cout << f.name;
    if (sc) std::cout << "\t" << sc->description;
    std::cout << "\n";
  }
}

void Run(const ScenarioFlags& flags, const std::string& out_dir, bool quiet, ExitStatus& status) {
  auto sc = ResolveScenario(flags);
  if (!sc) return ReportError(sc.error(), status);
  sim::Simulator simulator(std::move(*sc));
  auto out = sim::RunToDirectory(simulator, out_dir);
  if (!out) return ReportError(out.error(), status);
  if (!quiet) std::cout << sim::RenderSummary(simulator) << "\n";
  std::cout << "wrote " << out_dir << "/metrics.om (" << out->metric_series << " series, "
            << out->metric_samples << " samples), " << out_dir << "/logs.ndjson (" << out->log_lines
            << " lines), " << out_dir << "/changes.ndjson (" << out->change_events << " events)\n";
}

struct GenerateFlags {
  uint64_t seed = 1;
  int count = 1;
  std::string fault_class, out_dir;
};

// One scenario to stdout, or `count` files (gen-SEED.yml) into a directory.
void Generate(const GenerateFlags& f, ExitStatus& status) {
  if (f.count < 1) {
    return ReportError(Error(ErrorCode::kInvalidArgument, "--count must be at least 1"), status);
  }
  if (f.count > 1 && f.out_dir.empty()) {
    return ReportError(
        Error(ErrorCode::kInvalidArgument, "--count above 1 needs --out DIR (one file each)"),
        status);
  }
  std::error_code ec;
  if (!f.out_dir.empty()) std::filesystem::create_directories(f.out_dir, ec);
  if (ec) return ReportError(Error(ErrorCode::kIo, f.out_dir + ": " + ec.message()), status);
  for (int k = 0; k < f.count; ++k) {
    const uint64_t seed = f.seed + static_cast<uint64_t>(k);
    auto g = sim::GenerateScenario(seed, f.fault_class);
    if (!g) return ReportError(g.error(), status);
    if (f.out_dir.empty()) {
      std::cout << g->yaml;
      continue;
    }
    const std::string path = f.out_dir + "/" + g->scenario.name + ".yml";
    std::ofstream out(path, std::ios::trunc);
    out << g->yaml;
    out.close();
    if (!out) return ReportError(Error(ErrorCode::kIo, path + ": cannot write"), status);
    std::cout << path << "\t" << g->fault_class << " (" << g->variant << ")\n";
  }
}

}  // namespace

void RegisterSim(CLI::App& app, ExitStatus& status) {
  auto* sim = app.add_subcommand("sim", "The simulated production system: game days, demos, tests");
  sim->require_subcommand(1);

  auto* list = sim->add_subcommand("scenarios", "List the built-in scenarios, one per line");
  list->callback([] { Scenarios(); });

  auto* run = sim->add_subcommand(
      "run", "Run a scenario to its end and write metrics.om, logs.ndjson, changes.ndjson");
  static ScenarioFlags run_flags;
  static std::string out_dir;
  static bool quiet = false;
  AddScenarioFlags(run, run_flags);
  run->add_option("--out", out_dir, "Directory to write the output into")->required();
  run->add_flag("--quiet,-q", quiet, "Print only the files written, not the summary table");
  run->callback([&status] { Run(run_flags, out_dir, quiet, status); });

  auto* generate = sim->add_subcommand(
      "generate",
      "Draw scenarios nobody wrote: a failure of one class, its environment and decoys");
  static GenerateFlags gen;
  generate->add_option("--seed", gen.seed, "The (first) scenario's seed")->capture_default_str();
  generate->add_option("--count", gen.count, "How many scenarios, of consecutive seeds")
      ->capture_default_str();
  generate->add_option("--class", gen.fault_class,
                       "Only this failure class (a root-cause category, e.g. memory_leak)");
  generate->add_option("--out", gen.out_dir,
                       "Write gen-SEED.yml files here (default: one scenario to stdout)");
  generate->callback([&status] { Generate(gen, status); });

  RegisterSimServe(sim, status);
}

}  // namespace fw::cli
