#pragma once
// Registration hooks for the CLI's command families, one file each. A command
// runs from its CLI11 callback and stores its exit code in ExitStatus.

namespace CLI {
class App;
}

namespace fw {
class Error;
}

namespace fw::cli {

struct ExitStatus {
  int code = 0;
};

// Prints "firewatch: <error>" on stderr and records the error's exit code.
void ReportError(const Error& e, ExitStatus& status);

void RegisterVersion(CLI::App& app, ExitStatus& status);
void RegisterSim(CLI::App& app, ExitStatus& status);
void RegisterDemo(CLI::App& app, ExitStatus& status);
void RegisterPromql(CLI::App& app, ExitStatus& status);
void RegisterServe(CLI::App& app, ExitStatus& status);
void RegisterCheck(CLI::App& app, ExitStatus& status);
void RegisterLogs(CLI::App& app, ExitStatus& status);
void RegisterIncident(CLI::App& app, ExitStatus& status);
void RegisterTest(CLI::App& app, ExitStatus& status);
void RegisterAlerts(CLI::App& app, ExitStatus& status);
void RegisterSilence(CLI::App& app, ExitStatus& status);
void RegisterRca(CLI::App& app, ExitStatus& status);
void RegisterRunbook(CLI::App& app, ExitStatus& status);
void RegisterReport(CLI::App& app, ExitStatus& status);
void RegisterOnCall(CLI::App& app, ExitStatus& status);
void RegisterAdmin(CLI::App& app, ExitStatus& status);
// Adds `rules` under the `check` command.
void AddCheckRules(CLI::App& check, ExitStatus& status);

}  // namespace fw::cli
