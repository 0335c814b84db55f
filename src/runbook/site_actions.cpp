#include "runbook/site_actions.h"

#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/yaml_reader.h"

namespace fw::runbook {
namespace {

void ParseTemplate(YamlReader& r, const YAML::Node& at, const std::string& path,
                   const std::string& text, Template& out) {
  auto t = Template::Parse(text);
  if (t) {
    out = std::move(*t);
  } else {
    r.Fail(at, path, t.error().message());
  }
}

void ReadHttp(YamlReader& r, const YAML::Node& n, const std::string& path, HttpAction& out) {
  if (!r.Keys(n, path, {"method", "url", "body", "headers", "bearer_token_env", "timeout"})) return;
  r.Str(n, path, "method", out.method);
  if (out.method != "POST" && out.method != "PUT" && out.method != "PATCH" &&
      out.method != "DELETE" && out.method != "GET") {
    r.Fail(YamlChild(n, "method"), path + ".method", "expected POST, PUT, PATCH, DELETE or GET");
  }
  std::string url;
  r.Str(n, path, "url", url);
  if (url.empty()) {
    r.Fail(n, path + ".url", "required: where the request goes, e.g. http://ops.local/rollback");
  } else if (!url.starts_with("http://") && !url.starts_with("https://")) {
    r.Fail(YamlChild(n, "url"), path + ".url", "must start with http:// or https://");
  } else {
    ParseTemplate(r, YamlChild(n, "url"), path + ".url", url, out.url);
  }
  std::vector<std::pair<std::string, std::string>> body, headers;
  r.StrMap(n, path, "body", body);
  for (const auto& [k, v] : body) {
    ParseTemplate(r, YamlChild(YamlChild(n, "body"), k), path + ".body." + k, v, out.body[k]);
  }
  r.StrMap(n, path, "headers", headers);
  for (auto& [k, v] : headers) out.headers[k] = v;
  r.Str(n, path, "bearer_token_env", out.bearer_token_env);
  r.Dur(n, path, "timeout", out.timeout);
}

void ReadExec(YamlReader& r, const YAML::Node& n, const std::string& path, ExecTemplate& out) {
  if (!r.Keys(n, path, {"argv", "timeout"})) return;
  std::vector<std::string> argv;
  r.StrList(n, path, "argv", argv);
  if (argv.empty())
    r.Fail(n, path + ".argv", "required: the command as a list, e.g. [kubectl, ...]");
  for (size_t i = 0; i < argv.size(); ++i) {
    out.argv.emplace_back();
    ParseTemplate(r, YamlChild(n, "argv")[i], YamlReader::Index(path + ".argv", i), argv[i],
                  out.argv.back());
  }
  r.Dur(n, path, "timeout", out.timeout);
}

}  // namespace

SiteActions ReadSiteActions(YamlReader& r, const YAML::Node& root) {
  SiteActions out;
  const YAML::Node list = YamlChild(root, "actions");
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsMap()) {
    r.Fail(list, "actions", "expected a mapping of action name to {http: ...} or {exec: ...}");
    return out;
  }
  for (const auto& kv : list) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const std::string path = "actions." + name;
    if (name.empty()) {
      r.Fail(kv.first, "actions", "an action needs a name");
      continue;
    }
    if (!r.Keys(kv.second, path, {"http", "exec"})) continue;
    const YAML::Node http = YamlChild(kv.second, "http"), exec = YamlChild(kv.second, "exec");
    if (http.IsDefined() == exec.IsDefined()) {
      r.Fail(kv.second, path, "set exactly one of http or exec");
      continue;
    }
    SiteAction a;
    a.name = name;
    a.is_http = http.IsDefined();
    if (a.is_http) {
      ReadHttp(r, http, path + ".http", a.http);
    } else {
      ReadExec(r, exec, path + ".exec", a.exec);
    }
    out.actions[name] = std::move(a);
  }
  return out;
}

Result<ActionOutcome> SiteActionAdapter::Run(const ActionCall& call, bool dry_run) {
  auto it = actions_.actions.find(call.action);
  if (it == actions_.actions.end()) {
    return Fail(ErrorCode::kNotFound, "the site defines no action \"" + call.action +
                                          "\"; declare it under actions: in firewatch.yml");
  }
  Vars vars(call.args.begin(), call.args.end());
  vars["action"] = call.action;
  if (it->second.is_http) return RunHttp(it->second.http, vars, dry_run);
  ExecActions one;
  one.file = "firewatch.yml";
  one.actions[call.action] = it->second.exec;
  return ExecAdapter(std::move(one), clock_).Run(call, dry_run);
}

Result<ActionOutcome> SiteActionAdapter::RunHttp(const HttpAction& a, const Vars& vars,
                                                 bool dry_run) {
  auto url = a.url.Render(vars);
  if (!url) return Fail(url.error().WithContext("actions." + vars.at("action") + ".http.url"));
  nlohmann::json body = nlohmann::json::object();
  for (const auto& [k, t] : a.body) {
    auto v = t.Render(vars);
    if (!v) return Fail(v.error().WithContext("actions." + vars.at("action") + ".http.body." + k));
    body[k] = *v;
  }
  const std::string text = a.body.empty() ? "" : body.dump();
  ActionOutcome out;
  out.command = {a.method, *url};
  if (!text.empty()) out.command.push_back(text);
  if (dry_run) {
    out.ok = true;
    return out;
  }
  const size_t scheme = url->find("://");
  const size_t path_at = url->find('/', scheme + 3);
  httplib::Client client(url->substr(0, path_at));
  const auto secs = a.timeout.count() / 1000, usecs = a.timeout.count() % 1000 * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  httplib::Headers headers(a.headers.begin(), a.headers.end());
  if (!a.bearer_token_env.empty()) {
    const char* token = std::getenv(a.bearer_token_env.c_str());
    if (!token || !*token) {
      out.output = a.bearer_token_env + " is not set: no token for " + *url;
      return out;
    }
    headers.emplace("Authorization", std::string("Bearer ") + token);
  }
  const std::string path = path_at == std::string::npos ? "/" : url->substr(path_at);
  httplib::Request req;
  req.method = a.method;
  req.path = path;
  req.headers = headers;
  req.body = text;
  if (!text.empty()) req.set_header("Content-Type", "application/json");
  auto res = client.send(req);
  if (!res) {
    out.output = a.method + " " + *url + " failed: " + httplib::to_string(res.error());
    return out;
  }
  out.output = res->body.substr(0, 4096);
  while (!out.output.empty() && out.output.back() == '\n') out.output.pop_back();
  if (res->status / 100 != 2) {
    out.output = "HTTP " + std::to_string(res->status) + ": " + out.output;
    return out;
  }
  // When the effect is complete (a rollout) the answer does not say: unknown.
  out.ok = true;
  return out;
}

}  // namespace fw::runbook
