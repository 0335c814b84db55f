#include "runbook/exec_adapter.h"

#include <fstream>
#include <sstream>

#include "common/yaml_reader.h"
#include "runbook/runbook.h"

namespace fw::runbook {

Result<ExecActions> ParseExecActions(const std::string& yaml_text, const std::string& source_name) {
  auto doc = LoadYaml(yaml_text, source_name);
  if (!doc) return Fail(doc.error());
  YamlReader r(source_name);
  ExecActions out;
  out.file = source_name;
  if (r.Keys(*doc, "", {"defaults", "actions"})) {
    std::vector<std::pair<std::string, std::string>> defaults;
    r.StrMap(*doc, "", "defaults", defaults);
    for (auto& [k, v] : defaults) out.defaults[k] = v;
    const YAML::Node actions = YamlChild(*doc, "actions");
    if (!actions.IsDefined() || !actions.IsMap()) {
      r.Fail(actions.IsDefined() ? actions : *doc, "actions",
             "required: a mapping of action names to {argv, timeout}");
    } else {
      for (const auto& kv : actions) {
        const std::string name = kv.first.Scalar();
        const std::string path = "actions." + name;
        if (!FindAction(name)) r.Fail(kv.first, path, "not an action runbooks can name");
        if (!r.Keys(kv.second, path, {"argv", "timeout"})) continue;
        ExecTemplate t;
        std::vector<std::string> argv;
        r.StrList(kv.second, path, "argv", argv);
        r.Dur(kv.second, path, "timeout", t.timeout);
        if (argv.empty())
          r.Fail(kv.second, path + ".argv", "required: the program and its arguments");
        for (size_t i = 0; i < argv.size(); ++i) {
          auto part = Template::Parse(argv[i]);
          if (!part) {
            r.Fail(YamlChild(kv.second, "argv"), YamlReader::Index(path + ".argv", i),
                   part.error().message());
            continue;
          }
          t.argv.push_back(std::move(*part));
        }
        out.actions[name] = std::move(t);
      }
    }
  }
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

Result<ExecActions> LoadExecActions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(ErrorCode::kNotFound, "cannot read action file " + path + ": check --actions");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseExecActions(text.str(), path);
}

Result<std::vector<std::string>> ExecAdapter::Render(const ActionCall& call) const {
  auto it = actions_.actions.find(call.action);
  if (it == actions_.actions.end()) {
    return Fail(ErrorCode::kNotFound, "no argv template for action " + call.action + " in " +
                                          actions_.file + "; add one under actions:");
  }
  Vars vars = actions_.defaults;
  for (const auto& [k, v] : call.args) vars[k] = v;
  vars["action"] = call.action;
  std::vector<std::string> argv;
  const std::vector<Template>& templates = it->second.argv;
  for (size_t i = 0; i < templates.size(); ++i) {
    auto s = templates[i].RenderArg(vars);
    if (!s) {
      return Fail(s.error().WithContext(actions_.file + ": actions." + call.action + ".argv[" +
                                        std::to_string(i) + "] \"" + templates[i].text() + "\""));
    }
    argv.push_back(std::move(*s));
  }
  return argv;
}

Result<ActionOutcome> ExecAdapter::Run(const ActionCall& call, bool dry_run) {
  auto argv = Render(call);
  if (!argv) return Fail(argv.error());
  ActionOutcome out;
  out.command = *argv;
  if (dry_run) {
    out.ok = true;
    return out;
  }
  const Millis timeout = actions_.actions.at(call.action).timeout;
  auto r = RunCommand(*argv, timeout, clock_);
  if (!r) return Fail(r.error());
  out.output = r->output;
  while (!out.output.empty() && out.output.back() == '\n') out.output.pop_back();
  if (r->timed_out) {
    out.output =
        "timed out after " + FormatDuration(timeout) + " and was killed; output: " + out.output;
  } else if (r->exit_code != 0) {
    out.output = "exit status " + std::to_string(r->exit_code) + ": " + out.output;
  }
  out.ok = !r->timed_out && r->exit_code == 0;
  out.effective_at = clock_.Now();
  return out;
}

}  // namespace fw::runbook
