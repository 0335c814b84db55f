#include "cli/config_file.h"

#include <glob.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml_reader.h"
#include "pipeline/settings.h"

namespace fw::cli {
namespace {

const std::set<std::string> kTopLevel = {"server",
                                         "global",
                                         "scrape_configs",
                                         "storage",
                                         "rule_files",
                                         "route",
                                         "receivers",
                                         "inhibit_rules",
                                         "schedules",
                                         "escalation_policies",
                                         "paging",
                                         "people",
                                         "stakeholders",
                                         "incidents",
                                         "time_intervals",
                                         "mute_time_intervals",  // the older Alertmanager name
                                         "flap_detection",
                                         "runbooks",
                                         "response",
                                         "actions",
                                         "databases",
                                         "log_files",
                                         "reports",
                                         "state",
                                         "remote_metrics",
                                         "remote_write"};

std::filesystem::path Resolve(const std::string& config_path, const std::string& p) {
  const std::filesystem::path path(p);
  if (path.is_absolute()) return path;
  return std::filesystem::path(config_path).parent_path() / path;
}

// The secret of tokens[i]: inline, from a file or from the environment.
std::string TokenSecret(YamlReader& r, const YAML::Node& n, const std::string& path,
                        const std::string& config_path) {
  std::string inline_token, file, env;
  r.Str(n, path, "token", inline_token);
  r.Str(n, path, "token_file", file);
  r.Str(n, path, "token_env", env);
  const int given = !inline_token.empty() + !file.empty() + !env.empty();
  if (given != 1) {
    r.Fail(n, path, "set exactly one of token, token_file or token_env");
    return "";
  }
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) r.Fail(YamlChild(n, "token_env"), path + ".token_env", env + " is not set");
    return v ? v : "";
  }
  if (file.empty()) return inline_token;
  std::ifstream in(Resolve(config_path, file), std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string secret = buf.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (!in) {
    r.Fail(YamlChild(n, "token_file"), path + ".token_file", "cannot read " + file);
  } else if (secret.empty()) {
    r.Fail(YamlChild(n, "token_file"), path + ".token_file", file + " is empty");
  }
  return secret;
}

void ReadTokens(YamlReader& r, const YAML::Node& server, const std::string& config_path,
                std::vector<server::TokenSpec>& out) {
  const YAML::Node list = YamlChild(server, "tokens");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) return r.Fail(list, "server.tokens", "expected a list of tokens");
  std::set<std::string> names, secrets;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = YamlReader::Index("server.tokens", i);
    if (!r.Keys(list[i], path, {"name", "token", "token_file", "token_env", "role", "scopes"})) {
      continue;
    }
    server::TokenSpec t{"", server::Role::kViewer, ""};
    r.Str(list[i], path, "name", t.name);
    if (t.name.empty()) r.Fail(list[i], path + ".name", "required (it names the caller in logs)");
    if (!t.name.empty() && !names.insert(t.name).second) {
      r.Fail(YamlChild(list[i], "name"), path + ".name", "\"" + t.name + "\" is used twice");
    }
    std::string role;
    r.Str(list[i], path, "role", role);
    std::vector<std::string> scopes;
    r.StrList(list[i], path, "scopes", scopes);
    const YAML::Node scope_list = YamlChild(list[i], "scopes");
    if (scope_list.IsDefined()) {
      // Read scopes narrow the token's reads to some areas; its role (viewer
      // when only scopes are given) still governs writes.
      t.read_scopes = 0;
      if (scopes.empty()) r.Fail(scope_list, path + ".scopes", "list at least one read scope");
      for (size_t k = 0; k < scopes.size(); ++k) {
        auto area = server::ParseReadScope(scopes[k]);
        if (area) {
          t.read_scopes |= server::ScopeBit(*area);
        } else {
          r.Fail(scope_list.IsSequence() && k < scope_list.size() ? scope_list[k] : scope_list,
                 YamlReader::Index(path + ".scopes", k), area.error().message());
        }
      }
    }
    if (role.empty() && scope_list.IsDefined()) {
      t.role = server::Role::kViewer;
    } else if (role.empty()) {
      r.Fail(list[i], path + ".role", "required: viewer, responder or admin (or read scopes)");
    } else if (auto parsed = server::ParseRole(role); parsed) {
      t.role = *parsed;
    } else {
      r.Fail(YamlChild(list[i], "role"), path + ".role", parsed.error().message());
    }
    t.token = TokenSecret(r, list[i], path, config_path);
    if (!t.token.empty() && !secrets.insert(t.token).second) {
      r.Fail(list[i], path, "the same secret is given to two tokens");
    }
    out.push_back(std::move(t));
  }
}

void ReadServer(YamlReader& r, const YAML::Node& root, const std::string& config_path,
                ServerSettings& out) {
  const YAML::Node server = YamlChild(root, "server");
  if (!server.IsDefined() || server.IsNull()) return;
  if (!r.Keys(server, "server",
              {"listen", "tokens", "threads", "max_connections", "require_read_token",
               "public_status", "secure_cookies", "status_components"})) {
    return;
  }
  if (YamlChild(server, "require_read_token").IsDefined()) {
    bool required = false;
    r.Bool(server, "server", "require_read_token", required);
    out.require_read_token = required;
  }
  r.Bool(server, "server", "public_status", out.public_status);
  r.Bool(server, "server", "secure_cookies", out.secure_cookies);
  r.StrList(server, "server", "status_components", out.status_components);
  r.Uint(server, "server", "threads", out.threads);
  if (out.threads > 1024) {
    r.Fail(YamlChild(server, "threads"), "server.threads", "expected 1 to 1024 worker threads");
  }
  r.Uint(server, "server", "max_connections", out.max_connections);
  std::string listen;
  r.Str(server, "server", "listen", listen);
  if (!listen.empty()) {
    auto parsed = ParseListenAddress(listen);
    if (parsed) {
      std::tie(out.listen_host, out.listen_port) = *parsed;
    } else {
      r.Fail(YamlChild(server, "listen"), "server.listen", parsed.error().message());
    }
  }
  ReadTokens(r, server, config_path, out.tokens);
}

// incidents.severity: {rules: [{match: {label: value}, severity: P1}], default: P3,
//                      services: [{at_least: 3, severity: P1}]}
void ReadSeverity(YamlReader& r, const YAML::Node& inc,
                  std::optional<incident::SeverityPolicy>& out) {
  const YAML::Node n = YamlChild(inc, "severity");
  if (!n.IsDefined() || n.IsNull()) return;
  if (!r.Keys(n, "incidents.severity", {"rules", "default", "services"})) return;
  auto severity = [&r](const YAML::Node& at, const std::string& path, const std::string& text,
                       incident::Severity& into) {
    auto s = incident::ParseSeverity(text);
    if (s) {
      into = *s;
    } else {
      r.Fail(at, path, s.error().message());
    }
  };
  std::vector<incident::SeverityRule> rules;
  const YAML::Node list = YamlChild(n, "rules");
  if (list.IsDefined() && !list.IsNull() && !list.IsSequence()) {
    r.Fail(list, "incidents.severity.rules", "expected a list of {match, severity}");
  }
  for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
    const std::string path = YamlReader::Index("incidents.severity.rules", i);
    if (!r.Keys(list[i], path, {"match", "severity"})) continue;
    incident::SeverityRule rule;
    std::vector<std::pair<std::string, std::string>> match;
    r.StrMap(list[i], path, "match", match);
    for (auto& [k, v] : match) rule.match.push_back({k, v});
    std::string text;
    r.Str(list[i], path, "severity", text);
    if (text.empty()) r.Fail(list[i], path + ".severity", "required: P1, P2, P3 or P4");
    if (!text.empty())
      severity(YamlChild(list[i], "severity"), path + ".severity", text, rule.severity);
    rules.push_back(std::move(rule));
  }
  std::vector<incident::ServicesRule> services;
  const YAML::Node spread = YamlChild(n, "services");
  if (spread.IsDefined() && !spread.IsNull() && !spread.IsSequence()) {
    r.Fail(spread, "incidents.severity.services", "expected a list of {at_least, severity}");
  }
  for (size_t i = 0; spread.IsSequence() && i < spread.size(); ++i) {
    const std::string path = YamlReader::Index("incidents.severity.services", i);
    if (!r.Keys(spread[i], path, {"at_least", "severity"})) continue;
    incident::ServicesRule rule;
    uint64_t at_least = 0;
    r.Uint(spread[i], path, "at_least", at_least);
    if (at_least < 1) r.Fail(spread[i], path + ".at_least", "required: a number of services >= 1");
    rule.at_least = at_least;
    std::string level;
    r.Str(spread[i], path, "severity", level);
    if (level.empty()) {
      r.Fail(spread[i], path + ".severity", "required: P1, P2, P3 or P4");
    } else {
      severity(YamlChild(spread[i], "severity"), path + ".severity", level, rule.severity);
    }
    services.push_back(rule);
  }
  incident::Severity fallback = incident::Severity::kP3;
  std::string text;
  r.Str(n, "incidents.severity", "default", text);
  if (!text.empty())
    severity(YamlChild(n, "default"), "incidents.severity.default", text, fallback);
  out.emplace(std::move(rules), fallback, std::move(services));
}

// rule_files entries, relative to the config file, with globs expanded; a
// pattern that matches nothing is an error (a typo would silently drop rules).
void ReadRuleFiles(YamlReader& r, const YAML::Node& root, const std::string& config_path,
                   std::vector<std::string>& out) {
  std::vector<std::string> patterns;
  r.StrList(root, "", "rule_files", patterns);
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::string full = Resolve(config_path, patterns[i]).string();
    glob_t g{};
    const int rc = glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) out.push_back(g.gl_pathv[k]);
    } else {
      r.Fail(YamlChild(root, "rule_files")[i], YamlReader::Index("rule_files", i),
             "no file matches \"" + patterns[i] + "\"");
    }
    globfree(&g);
  }
}

void ReadAlerting(YamlReader& r, const YAML::Node& root, const std::string& path,
                  pipeline::AlertingSettings& out) {
  const YAML::Node global = YamlChild(root, "global");
  if (global.IsMap()) r.Dur(global, "global", "evaluation_interval", out.evaluation_interval);
  ReadRuleFiles(r, root, path, out.rule_files);
  out.routing = alerting::ParseRouting(r, root);
  out.oncall = incident::ParseOnCall(r, root);
  out.paging = notify::ParsePaging(r, root);
  out.stakeholders = notify::ParseStakeholders(r, root, out.paging);
  if (!out.paging.secret_file.empty()) {
    out.paging.secret_file = Resolve(path, out.paging.secret_file).lexically_normal().string();
  }
  if (out.paging.smtp && !out.paging.smtp->ca_file.empty()) {
    out.paging.smtp->ca_file = Resolve(path, out.paging.smtp->ca_file).lexically_normal().string();
  }
  const YAML::Node inc = YamlChild(root, "incidents");
  if (inc.IsDefined() && !inc.IsNull() &&
      r.Keys(inc, "incidents",
             {"reopen_window", "escalation_policy", "severity", "group_by", "correlate_within",
              "auto_resolve", "resolve_after"})) {
    r.Dur(inc, "incidents", "reopen_window", out.reopen_window);
    r.StrList(inc, "incidents", "group_by", out.incident_group_by);
    r.Dur(inc, "incidents", "correlate_within", out.correlate_window);
    r.Str(inc, "incidents", "auto_resolve", out.auto_resolve);
    if (out.auto_resolve != "resolve" && out.auto_resolve != "propose" &&
        out.auto_resolve != "off") {
      r.Fail(YamlChild(inc, "auto_resolve"), "incidents.auto_resolve",
             "expected resolve, propose or off");
    }
    r.Dur(inc, "incidents", "resolve_after", out.resolve_after);
    ReadSeverity(r, inc, out.severity);
    r.Str(inc, "incidents", "escalation_policy", out.escalation_policy);
    if (!out.escalation_policy.empty() && !out.oncall.FindPolicy(out.escalation_policy)) {
      r.Fail(YamlChild(inc, "escalation_policy"), "incidents.escalation_policy",
             "no escalation policy named \"" + out.escalation_policy + "\"");
    }
  }
}

// response: {enabled, approval, approval_role, approval_timeout,
//            min_confidence, recovery_watch, vars}
void ReadResponse(YamlReader& r, const YAML::Node& root, pipeline::ResponseSettings& out) {
  const YAML::Node n = YamlChild(root, "response");
  if (!n.IsDefined() || n.IsNull()) return;
  if (!r.Keys(n, "response",
              {"enabled", "approval", "approval_role", "approval_timeout", "min_confidence",
               "recovery_watch", "vars"})) {
    return;
  }
  r.Bool(n, "response", "enabled", out.enabled);
  std::string mode, role;
  r.Str(n, "response", "approval", mode);
  if (!mode.empty()) {
    auto m = pipeline::ParseApprovalMode(mode);
    if (m) {
      out.approval = *m;
    } else {
      r.Fail(YamlChild(n, "approval"), "response.approval", m.error().message());
    }
  }
  r.Str(n, "response", "approval_role", role);
  if (!role.empty()) {
    auto parsed = server::ParseRole(role);
    if (parsed && *parsed != server::Role::kViewer) {
      out.approver_role = *parsed;
    } else {
      r.Fail(YamlChild(n, "approval_role"), "response.approval_role",
             "expected responder or admin");
    }
  }
  r.Dur(n, "response", "approval_timeout", out.approval_timeout);
  r.Dur(n, "response", "recovery_watch", out.recovery_watch);
  const YAML::Node conf = YamlChild(n, "min_confidence");
  if (conf.IsDefined() && !conf.IsNull()) {
    double v = -1;
    try {
      v = conf.as<double>();
    } catch (const YAML::Exception&) {
    }
    if (v < 0 || v > 1) {
      r.Fail(conf, "response.min_confidence", "expected a number from 0 to 1, e.g. 0.3");
    } else {
      out.min_confidence = v;
    }
  }
  std::vector<std::pair<std::string, std::string>> vars;
  r.StrMap(n, "response", "vars", vars);
  for (auto& [k, v] : vars) out.vars[k] = v;
}

// reports: {average_order_value, currency, checkout_route, access_sample}
void ReadReports(YamlReader& r, const YAML::Node& root, report::ImpactOptions& out) {
  const YAML::Node n = YamlChild(root, "reports");
  if (!n.IsDefined() || n.IsNull()) return;
  if (!r.Keys(n, "reports",
              {"average_order_value", "currency", "checkout_route", "access_sample"})) {
    return;
  }
  auto number = [&](const char* key, double& into, double lo, double hi, const char* want) {
    const YAML::Node v = YamlChild(n, key);
    if (!v.IsDefined() || v.IsNull()) return;
    double x = lo - 1;
    try {
      x = v.as<double>();
    } catch (const YAML::Exception&) {
    }
    if (x < lo || x > hi) {
      r.Fail(v, std::string("reports.") + key, want);
    } else {
      into = x;
    }
  };
  number("average_order_value", out.average_order_value, 0, 1e12, "expected a number >= 0");
  number("access_sample", out.access_sample, 1e-9, 1, "expected a share in (0, 1]");
  r.Str(n, "reports", "currency", out.currency);
  r.Str(n, "reports", "checkout_route", out.checkout_route);
}

// log_files: [{path: /var/log/shop/*.log, group: shop, stream: app, format: json}]
void ReadLogFiles(YamlReader& r, const YAML::Node& root, const std::string& config_path,
                  std::vector<pipeline::LogFileSettings>& out) {
  const YAML::Node list = YamlChild(root, "log_files");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    return r.Fail(list, "log_files", "expected a list of {path, group, stream, format}");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = YamlReader::Index("log_files", i);
    if (!r.Keys(list[i], path, {"path", "group", "stream", "format"})) continue;
    pipeline::LogFileSettings f;
    r.Str(list[i], path, "path", f.path);
    if (f.path.empty()) r.Fail(list[i], path + ".path", "required: a file or a glob");
    if (!f.path.empty()) f.path = Resolve(config_path, f.path).lexically_normal().string();
    r.Str(list[i], path, "group", f.group);
    if (f.group.empty()) r.Fail(list[i], path + ".group", "required: the log group (@log)");
    r.Str(list[i], path, "stream", f.stream);
    std::string format = "json";
    r.Str(list[i], path, "format", format);
    if (format != "json" && format != "text") {
      r.Fail(YamlChild(list[i], "format"), path + ".format", "expected json or text");
    }
    f.json = format == "json";
    out.push_back(std::move(f));
  }
}

void ReadTopLevel(YamlReader& r, const YAML::Node& root, const std::string& path, ConfigFile& out) {
  if (!root.IsMap()) return r.Fail(root, "", "a config file must be a YAML mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (kTopLevel.contains(key)) continue;
    r.Fail(kv.first, key,
           "not supported yet (see docs/alerting.md and docs/metrics.md for the keys)");
  }
  ReadServer(r, root, path, out.server);
  metrics::ingest::ReadScrapeSettings(r, root, out.scrape);
  ReadAlerting(r, root, path, out.pipeline.alerting);
  ReadResponse(r, root, out.pipeline.response);
  out.pipeline.actions = runbook::ReadSiteActions(r, root);
  out.pipeline.databases = db::ReadDatabases(r, root);
  out.pipeline.state = pg::ReadStateSettings(r, root);
  const std::string config_dir = std::filesystem::path(path).parent_path().string();
  out.pipeline.remote_metrics = metrics::remote::ReadRemoteMetrics(r, root, config_dir);
  out.pipeline.remote_write = metrics::remote::ReadRemoteWrite(r, root, config_dir);
  ReadLogFiles(r, root, path, out.pipeline.log_files);
  ReadReports(r, root, out.pipeline.impact);
  const YAML::Node storage = YamlChild(root, "storage");
  if (storage.IsDefined() && !storage.IsNull() && r.Keys(storage, "storage", {"dir"})) {
    r.Str(storage, "storage", "dir", out.storage_dir);
    if (!out.storage_dir.empty()) {
      out.storage_dir = Resolve(path, out.storage_dir).lexically_normal().string();
    }
  }
  const YAML::Node runbooks = YamlChild(root, "runbooks");
  if (runbooks.IsDefined() && !runbooks.IsNull() && r.Keys(runbooks, "runbooks", {"dir"})) {
    std::string dir;
    r.Str(runbooks, "runbooks", "dir", dir);
    if (YamlChild(runbooks, "dir").IsScalar() && dir.empty()) {
      r.Fail(YamlChild(runbooks, "dir"), "runbooks.dir", "expected a directory");
    }
    if (!dir.empty()) out.pipeline.runbooks_dir = Resolve(path, dir).lexically_normal().string();
  }
}

}  // namespace

Result<std::pair<std::string, int>> ParseListenAddress(const std::string& text) {
  const std::string want =
      "expected host:port, e.g. \"127.0.0.1:9090\" (\"0.0.0.0:9090\" for "
      "every interface), got \"" +
      text + "\"";
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Fail(ErrorCode::kInvalidArgument, want);
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return Fail(ErrorCode::kInvalidArgument, want);
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, want + " (write IPv6 addresses as [::1]:9090)");
  }
  const std::string port = text.substr(colon + 1);
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || value > 65535) return Fail(ErrorCode::kInvalidArgument, want);
    value = value * 10 + (c - '0');
  }
  if (port.empty() || value > 65535) return Fail(ErrorCode::kInvalidArgument, want);
  return std::pair{host, value};
}

Result<ConfigFile> LoadConfigFile(const std::string& path, std::vector<Error>* all_errors) {
  auto fail = [&](Error e) {
    if (all_errors) all_errors->push_back(e);
    return Fail(std::move(e));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error(ErrorCode::kNotFound, "cannot read config file " + path));
  std::stringstream buf;
  buf << in.rdbuf();
  auto root = LoadYaml(buf.str(), path);
  if (!root) return fail(root.error());
  YamlReader r(path);
  ConfigFile out;
  try {
    if (!root->IsNull()) ReadTopLevel(r, *root, path, out);
  } catch (const YAML::Exception& e) {
    return fail(Error(ErrorCode::kInvalidArgument, "invalid config: " + e.msg,
                      {path, e.mark.line + 1, e.mark.column + 1}));
  }
  if (all_errors) *all_errors = r.errors();
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

}  // namespace fw::cli
