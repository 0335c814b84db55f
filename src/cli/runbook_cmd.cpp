// `firewatch runbook ...`: validate, list and run runbooks.
//   runbook check PATH... [--actions FILE]       exit 2 when anything is wrong
//   runbook list [DIR]
//   runbook run FILE|NAME --adapter exec|sim|http [--dry-run] [--var k=v]...
//   runbook run NAME --server URL --incident INC-7 [--dry-run]
// See docs/runbooks.md.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "alerting/memory_rule_storage.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/sim_common.h"
#include "common/duration.h"
#include "runbook/exec_adapter.h"
#include "runbook/http_adapter.h"
#include "runbook/runbook.h"
#include "runbook/sim_adapter.h"
#include "sim/simulator.h"

namespace fw::cli {
namespace {

constexpr const char* kDefaultDir = "config/runbooks";
constexpr const char* kDefaultActions = "config/actions/kubernetes.yml";

struct RunFlags {
  std::string runbook, dir = kDefaultDir, adapter = "sim", actions = kDefaultActions, url;
  std::vector<std::string> vars, headers;
  std::string incident, start_after = "0s", max_duration = "1h";
  std::string server, token;  // run it on a running server instead
  bool dry_run = false, auto_approve = false;
  ScenarioFlags scenario;
};

void PrintErrors(const std::vector<Error>& errors) {
  for (const Error& e : errors) std::cerr << e.ToString() << "\n";
}

// Checks that every action the runbooks name has an argv template.
void CheckActions(const std::vector<runbook::Runbook>& rbs, const runbook::ExecActions& acts,
                  std::vector<Error>& errors) {
  for (const runbook::Runbook& rb : rbs) {
    for (const runbook::Step& s : rb.steps) {
      if (s.kind != runbook::StepKind::kAction) continue;
      for (const runbook::ActionTemplate* a : {&s.action, s.revert ? &*s.revert : nullptr}) {
        if (a && !acts.actions.count(a->action)) {
          errors.emplace_back(ErrorCode::kInvalidArgument,
                              "step \"" + s.name + "\": action " + a->action +
                                  " has no argv template in " + acts.file,
                              SourceLocation{rb.file, s.line, 1});
        }
      }
    }
  }
}

void Check(const std::vector<std::string>& paths, const std::string& actions, ExitStatus& status) {
  std::vector<runbook::Runbook> rbs;
  std::vector<Error> errors;
  for (const std::string& p : paths) {
    if (std::filesystem::is_directory(p)) {
      runbook::RunbookSet set = runbook::LoadRunbookDir(p);
      errors.insert(errors.end(), set.errors.begin(), set.errors.end());
      for (auto& rb : set.runbooks) rbs.push_back(std::move(rb));
    } else if (auto rb = runbook::LoadRunbookFile(p, &errors)) {
      rbs.push_back(std::move(*rb));
    }
  }
  if (!actions.empty()) {
    auto acts = runbook::LoadExecActions(actions);
    if (!acts)
      errors.push_back(acts.error());
    else
      CheckActions(rbs, *acts, errors);
  }
  PrintErrors(errors);
  std::cout << rbs.size() << " runbook(s) loaded, " << errors.size() << " problem(s)\n";
  status.code = errors.empty() ? 0 : 2;
}

void List(const std::string& dir, ExitStatus& status) {
  runbook::RunbookSet set = runbook::LoadRunbookDir(dir);
  PrintErrors(set.errors);
  std::printf("%-22s %-22s %-9s %5s  %s\n", "NAME", "CATEGORIES", "APPROVAL", "STEPS",
              "DESCRIPTION");
  for (const runbook::Runbook& rb : set.runbooks) {
    std::string cats;
    for (const auto& c : rb.categories) cats += (cats.empty() ? "" : ",") + c;
    std::printf("%-22s %-22s %-9s %5zu  %s\n", rb.name.c_str(), cats.empty() ? "*" : cats.c_str(),
                rb.requires_approval ? "required" : "no", rb.steps.size(), rb.description.c_str());
  }
  status.code = set.errors.empty() ? 0 : 2;
}

// Prints each step once it is over: what ran (the exact command) and why.
class Printer final : public runbook::RunObserver {
 public:
  explicit Printer(Timestamp t0) : t0_(t0) {}
  void OnStep(const runbook::RunRecord& run, const runbook::StepRecord& s) override {
    if (s.status == runbook::StepStatus::kRunning || s.status == runbook::StepStatus::kPending)
      return;
    std::string when = run.dry_run ? "" : "+" + FormatDuration(Millis(s.finished - t0_)) + " ";
    std::printf("%s%-11s %-9s %s\n", when.c_str(), s.phase.c_str(),
                runbook::StepStatusName(s.status), s.name.c_str());
    if (!s.command.empty()) {
      const bool argv = run.adapter == "exec";
      std::string line = argv ? runbook::ShellQuote(s.command) : "";
      for (size_t i = 0; !argv && i < s.command.size(); ++i) line += (i ? " " : "") + s.command[i];
      std::printf("    $ %s\n", line.c_str());
    }
    if (!s.message.empty()) std::printf("    %s\n", s.message.c_str());
    std::fflush(stdout);
  }

 private:
  Timestamp t0_;
};

// Asks on the terminal; without one, every gate is denied.
class TerminalApprover final : public runbook::Approver {
 public:
  runbook::ApprovalState Check(const std::string&, const std::string& gate) override {
    if (!isatty(0)) return runbook::ApprovalState::kDenied;
    std::printf("approve \"%s\"? [y/N] ", gate.c_str());
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "yes" ? runbook::ApprovalState::kGranted
                                            : runbook::ApprovalState::kDenied;
  }
};

Result<runbook::Runbook> FindRunbook(const RunFlags& f) {
  if (std::filesystem::is_regular_file(f.runbook)) return runbook::LoadRunbookFile(f.runbook);
  runbook::RunbookSet set = runbook::LoadRunbookDir(f.dir);
  if (const runbook::Runbook* rb = set.Find(f.runbook)) return *rb;
  std::string names;
  for (const auto& rb : set.runbooks) names += (names.empty() ? "" : ", ") + rb.name;
  return Fail(ErrorCode::kNotFound, "no runbook file or name \"" + f.runbook + "\" in " + f.dir +
                                        " (known: " + names + ")");
}

Result<runbook::ExecutionOptions> ParseVars(const RunFlags& f) {
  runbook::ExecutionOptions opt;
  opt.dry_run = f.dry_run;
  for (const std::string& kv : f.vars) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(ErrorCode::kInvalidArgument, "--var " + kv + ": expected NAME=VALUE");
    }
    opt.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!f.incident.empty()) opt.vars["incident.id"] = f.incident;
  return opt;
}

bool UsesPromql(const runbook::Runbook& rb) {
  for (const runbook::Step& s : rb.steps) {
    if (s.kind == runbook::StepKind::kVerify || s.kind == runbook::StepKind::kQuery ||
        !s.when.promql.empty()) {
      return true;
    }
  }
  return false;
}

int Finish(const runbook::RunRecord& r) {
  std::printf("run %s: %s\n", runbook::RunStatusName(r.status), r.message.c_str());
  return r.status == runbook::RunStatus::kSucceeded ? 0 : 1;
}

// The simulator as production: run the scenario up to --start-after, then
// the runbook and the simulator together on simulated time.
Result<int> RunOnSim(const RunFlags& f, const runbook::Runbook& rb,
                     const runbook::ExecutionOptions& opt, runbook::Approver* approver) {
  auto sc = ResolveScenario(f.scenario);
  if (!sc) return Fail(sc.error());
  auto start_after = ParseDuration(f.start_after);
  auto max = ParseDuration(f.max_duration);
  if (!start_after) return Fail(start_after.error().WithContext("--start-after"));
  if (!max) return Fail(max.error().WithContext("--max-duration"));
  // The simulated production runs one service; alerts on it would say so.
  runbook::ExecutionOptions with_service = opt;
  with_service.vars.try_emplace("labels.service", sc->env.service);
  sim::Simulator simulator(std::move(*sc));
  runbook::SimMetrics metrics;
  simulator.set_sink(&metrics);
  while (simulator.now() < simulator.scenario().start + start_after->count()) simulator.Step();
  runbook::SimAdapter adapter(simulator);
  Printer printer(simulator.now());
  runbook::Execution run(rb, f.incident, adapter, metrics.queryable(), approver, &printer,
                         with_service);
  const Timestamp limit = simulator.now() + max->count();
  while (!run.finished() && simulator.now() < limit) {
    run.Advance(simulator.now());
    if (!run.finished()) simulator.Step();
  }
  if (!run.finished()) std::printf("stopped after --max-duration %s\n", f.max_duration.c_str());
  return Finish(run.record());
}

Result<std::unique_ptr<runbook::ActionAdapter>> MakeAdapter(const RunFlags& f, Clock& clock) {
  if (f.adapter == "exec") {
    auto acts = runbook::LoadExecActions(f.actions);
    if (!acts) return Fail(acts.error());
    return std::make_unique<runbook::ExecAdapter>(std::move(*acts), clock);
  }
  runbook::HttpAdapterOptions o;
  o.url = f.url;
  o.incident_id = f.incident;
  for (const std::string& h : f.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument, "--header " + h + ": expected Name: value");
    }
    o.headers[h.substr(0, colon)] = h.substr(h.find_first_not_of(' ', colon + 1));
  }
  auto a = runbook::HttpAdapter::Make(std::move(o));
  if (!a) return Fail(a.error());
  return std::make_unique<runbook::HttpAdapter>(std::move(*a));
}

// On a running server: its runbooks, its site actions, its stores for the
// PromQL checks, its approval policy. The run continues in the server; the
// command prints what it started (or, for a dry run, every step).
Result<int> RunOnServer(const RunFlags& f) {
  ApiClient api(f.server, f.token);
  nlohmann::json body = {{"dry_run", f.dry_run}};
  if (!f.incident.empty()) body["incident"] = f.incident;
  if (!f.dry_run && f.incident.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "--server runs a runbook on an incident: give --incident INC-7 (or --dry-run)");
  }
  auto answer = api.Post("/api/v1/runbooks/" + f.runbook + "/run", body);
  if (!answer) return Fail(answer.error());
  const nlohmann::json& d = (*answer)["data"];
  const nlohmann::json& steps = f.dry_run ? d["steps"] : d["run"]["steps"];
  std::printf("%s %s on %s\n", f.dry_run ? "dry run of" : "started", f.runbook.c_str(),
              f.server.c_str());
  for (const auto& s : steps) {
    std::string command;
    for (const auto& c : s.value("command", nlohmann::json::array())) {
      command += (command.empty() ? "" : " ") + c.get<std::string>();
    }
    std::printf("  %-10s %-50s %s\n", s.value("status", "").c_str(), s.value("name", "").c_str(),
                command.empty() ? s.value("message", "").c_str() : command.c_str());
  }
  if (!f.dry_run) {
    std::printf("follow it with: firewatch incident response %s --server %s\n", f.incident.c_str(),
                f.server.c_str());
  }
  return 0;
}

Result<int> Run(const RunFlags& f) {
  if (!f.server.empty()) return RunOnServer(f);
  auto rb = FindRunbook(f);
  if (!rb) return Fail(rb.error());
  auto opt = ParseVars(f);
  if (!opt) return Fail(opt.error());
  runbook::AutoApprover auto_approver;
  TerminalApprover terminal;
  runbook::Approver* approver =
      f.auto_approve ? static_cast<runbook::Approver*>(&auto_approver) : &terminal;
  if (f.adapter == "sim") return RunOnSim(f, *rb, *opt, approver);
  if (!f.dry_run && UsesPromql(*rb)) {
    return Fail(ErrorCode::kInvalidArgument,
                "runbook " + rb->name +
                    " checks PromQL conditions, which need the metrics "
                    "firewatch serve holds: run it there with --server http://127.0.0.1:9400 "
                    "--incident INC-7, or use --dry-run here");
  }
  RealClock clock;
  auto adapter = MakeAdapter(f, clock);
  if (!adapter) return Fail(adapter.error());
  alerting::MemoryRuleStorage none;
  Printer printer(clock.Now());
  if (f.dry_run) {
    std::printf("dry run of %s with the %s adapter: nothing is changed\n", rb->name.c_str(),
                f.adapter.c_str());
  }
  runbook::Execution run(*rb, f.incident, **adapter, none, approver, &printer, *opt);
  while (!run.finished()) {
    run.Advance(clock.Now());
    if (auto wake = run.NextWake()) clock.SleepUntil(*wake);
  }
  return Finish(run.record());
}

void AddRun(CLI::App* runbook, ExitStatus& status) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* run = runbook->add_subcommand("run", "Run a runbook (or show what it would do)");
  run->add_option("runbook", f->runbook, "A runbook file, or a runbook's name in --dir")
      ->required();
  run->add_option("--dir", f->dir, "Where runbooks are looked up by name")->capture_default_str();
  run->add_option("--adapter", f->adapter, "Where actions land")
      ->check(CLI::IsMember({"exec", "sim", "http"}))
      ->capture_default_str();
  run->add_flag("--dry-run", f->dry_run, "Print the exact command of each step; change nothing");
  run->add_option("--var", f->vars,
                  "A template variable, NAME=VALUE (suspect.version=v2.5.0, labels.service=shop)");
  run->add_option("--incident", f->incident, "The incident's id (sets incident.id)");
  run->add_flag("--auto-approve", f->auto_approve, "Grant every approval gate without asking");
  run->add_option("--actions", f->actions, "exec: the argv template file")->capture_default_str();
  run->add_option("--url", f->url, "http: the URL template to POST each action to");
  run->add_option("--header", f->headers, "http: a header to send, 'Name: value'");
  run->add_option("--server", f->server,
                  "Run it on this running server (its runbooks, actions, metrics and approval "
                  "policy), e.g. http://127.0.0.1:9400")
      ->envname("FIREWATCH_SERVER");
  run->add_option("--token", f->token, "Bearer token for --server (default: FIREWATCH_TOKEN)");
  AddScenarioFlags(run, f->scenario);
  run->add_option("--start-after", f->start_after,
                  "sim: run the scenario this long before the runbook starts")
      ->capture_default_str();
  run->add_option("--max-duration", f->max_duration, "sim: give up after this much simulated time")
      ->capture_default_str();
  run->callback([f, &status] {
    if (!f->server.empty()) {
      auto rc = Run(*f);
      if (!rc) return ReportError(rc.error(), status);
      status.code = *rc;
      return;
    }
    if (f->adapter == "http" && f->url.empty()) {
      return ReportError(Error(ErrorCode::kInvalidArgument, "--adapter http needs --url"), status);
    }
    if (f->adapter == "sim" && f->scenario.name.empty() && f->scenario.file.empty()) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "--adapter sim needs --scenario NAME or --scenario-file F"),
                         status);
    }
    auto rc = Run(*f);
    if (!rc) return ReportError(rc.error(), status);
    status.code = *rc;
  });
}

}  // namespace

void RegisterRunbook(CLI::App& app, ExitStatus& status) {
  CLI::App* rb =
      app.add_subcommand("runbook", "Validate, list and run runbooks (docs/runbooks.md)");
  rb->require_subcommand(1);

  auto paths = std::make_shared<std::vector<std::string>>();
  auto actions = std::make_shared<std::string>();
  CLI::App* check = rb->add_subcommand("check", "Validate runbook files; exit 2 on any problem");
  check->add_option("paths", *paths, "Runbook files or directories")->required();
  check->add_option("--actions", *actions,
                    "Also check every action has an argv template in this exec action file");
  check->callback([paths, actions, &status] { Check(*paths, *actions, status); });

  auto dir = std::make_shared<std::string>(kDefaultDir);
  CLI::App* list = rb->add_subcommand("list", "List the runbooks in a directory");
  list->add_option("dir", *dir, "The directory")->capture_default_str();
  list->callback([dir, &status] { List(*dir, status); });

  AddRun(rb, status);
}

}  // namespace fw::cli
