#pragma once
// The exec adapter: each action becomes a command line from an action file
// (config/actions/*.yml) that maps action names to argv templates:
//
//   defaults: {namespace: default}
//   actions:
//     rollback:
//       argv: [kubectl, rollout, undo, "deployment/{{ .service }}", -n, "{{ .namespace }}"]
//       timeout: 2m
//
// Templates see the call's arguments (and `defaults`, and `action`). Each
// argv element renders to exactly one argument, and the command runs through
// posix_spawnp, NEVER a shell: a value like "x; rm -rf /" reaches the program
// as that literal string. An element whose first character comes from a
// value and is "-" is refused (the value would become an option, `--all`),
// unless the template marks it `{{ .x | arg }}` (template.h). The child
// inherits the environment (kubectl and aws find their credentials as
// usual), runs in its own process group, is killed at its timeout, and its
// stdout and stderr are captured (up to 64 KiB).

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/command.h"
#include "common/duration.h"
#include "runbook/execution.h"
#include "runbook/template.h"

namespace fw::runbook {

struct ExecTemplate {
  std::vector<Template> argv;
  Millis timeout{60'000};
};

struct ExecActions {
  std::string file;
  Vars defaults;
  std::map<std::string, ExecTemplate> actions;
};

Result<ExecActions> ParseExecActions(const std::string& yaml_text, const std::string& source_name);
Result<ExecActions> LoadExecActions(const std::string& path);

// The process runner lives in common/command.h (exec notification
// receivers use it too).
using fw::CommandResult;
using fw::RunCommand;
using fw::ShellQuote;

class ExecAdapter final : public ActionAdapter {
 public:
  // REQUIRES: clock outlives the adapter.
  ExecAdapter(ExecActions actions, Clock& clock) : actions_(std::move(actions)), clock_(clock) {}
  std::string name() const override { return "exec"; }
  Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) override;
  // The argv the call would run.
  Result<std::vector<std::string>> Render(const ActionCall& call) const;

 private:
  ExecActions actions_;
  Clock& clock_;
};

}  // namespace fw::runbook
