#pragma once
// The site's own runbook actions, declared in firewatch.yml under `actions:`
// and checked when the config loads: each action a runbook names becomes
// either a command (argv templates, run without a shell, as the exec
// adapter runs them) or an HTTP request whose JSON body is built from
// templated string values (each value rendered and JSON-escaped on its
// own, so an argument can never rewrite the body):
//
//   actions:
//     rollback:
//       http:
//         url: http://127.0.0.1:9500/sim/actions
//         body: {type: rollback, target: "{{ .service }}"}
//         bearer_token_env: FIREWATCH_TOKEN
//         timeout: 30s
//     restart_instance:
//       exec: {argv: [systemctl, restart, "shop@{{ .instance }}"], timeout: 2m}
//
// Templates see the call's arguments and `action`. A 2xx answer (exit
// status 0) is success; the body (output) becomes the step's output.

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "runbook/exec_adapter.h"
#include "runbook/execution.h"
#include "runbook/template.h"

namespace YAML {
class Node;
}
namespace fw {
class YamlReader;
}

namespace fw::runbook {

struct HttpAction {
  std::string method = "POST";
  Template url;
  std::map<std::string, Template> body;  // JSON object of strings; empty = no body
  std::map<std::string, std::string> headers;
  std::string bearer_token_env;  // Authorization: Bearer $VAR, read when the action runs
  Millis timeout{30'000};
};

struct SiteAction {
  std::string name;
  bool is_http = false;
  HttpAction http;
  ExecTemplate exec;
};

struct SiteActions {
  std::map<std::string, SiteAction> actions;
  bool empty() const { return actions.empty(); }
};

// Reads `actions:` from the config's root mapping (absent: none).
SiteActions ReadSiteActions(YamlReader& r, const YAML::Node& root);

class SiteActionAdapter final : public ActionAdapter {
 public:
  // REQUIRES: clock outlives the adapter.
  SiteActionAdapter(SiteActions actions, Clock& clock)
      : actions_(std::move(actions)), clock_(clock) {}
  std::string name() const override { return "site"; }
  Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) override;
  bool Has(const std::string& action) const { return actions_.actions.count(action) > 0; }
  // Config reload. REQUIRES: no Run() at the same time (the owner serialises).
  void Replace(SiteActions actions) { actions_ = std::move(actions); }

 private:
  Result<ActionOutcome> RunHttp(const HttpAction& a, const Vars& vars, bool dry_run);
  SiteActions actions_;
  Clock& clock_;
};

}  // namespace fw::runbook
