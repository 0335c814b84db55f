#include "alerting/route.h"

#include <set>

namespace fw::alerting {
namespace {

// `matchers: [...]` plus the older `match: {k: v}` / `match_re: {k: re}`.
std::vector<Matcher> Matchers(YamlReader& r, const YAML::Node& n, const std::string& path,
                              const char* list_key, const char* eq_key, const char* re_key) {
  std::vector<Matcher> out;
  std::vector<std::string> texts;
  r.StrList(n, path, list_key, texts);
  const YAML::Node list = YamlChild(n, list_key);
  for (size_t i = 0; i < texts.size(); ++i) {
    auto m = Matcher::Parse(texts[i]);
    if (!m) {
      r.Fail(list[i], YamlReader::Index(YamlReader::Join(path, list_key), i), m.error().message());
      continue;
    }
    out.push_back(std::move(*m));
  }
  for (const char* key : {eq_key, re_key}) {
    if (!key) continue;
    std::vector<std::pair<std::string, std::string>> pairs;
    r.StrMap(n, path, key, pairs);
    for (auto& [name, value] : pairs) {
      auto m =
          Matcher::Make(name, key == eq_key ? Matcher::Op::kEqual : Matcher::Op::kRegex, value);
      if (!m) {
        r.Fail(YamlChild(n, key), YamlReader::Join(path, key), m.error().message());
        continue;
      }
      out.push_back(std::move(*m));
    }
  }
  return out;
}

void ParseRoute(YamlReader& r, const YAML::Node& n, const std::string& path, const Route* parent,
                Route& out) {
  if (parent) {  // children inherit what they do not set
    out.receiver = parent->receiver;
    out.group_by = parent->group_by;
    out.group_by_all = parent->group_by_all;
    out.group_wait = parent->group_wait;
    out.group_interval = parent->group_interval;
    out.repeat_interval = parent->repeat_interval;
  }
  out.id = path;
  if (!r.Keys(n, path,
              {"receiver", "group_by", "group_wait", "group_interval", "repeat_interval",
               "matchers", "match", "match_re", "continue", "routes", "mute_time_intervals",
               "active_time_intervals"})) {
    return;
  }
  r.StrList(n, path, "mute_time_intervals", out.mute_time_intervals);
  r.StrList(n, path, "active_time_intervals", out.active_time_intervals);
  if (!parent && (!out.mute_time_intervals.empty() || !out.active_time_intervals.empty())) {
    r.Fail(n, path, "the root route cannot have mute_time_intervals or active_time_intervals");
  }
  r.Str(n, path, "receiver", out.receiver);
  if (YamlChild(n, "group_by").IsDefined()) {
    out.group_by.clear();
    r.StrList(n, path, "group_by", out.group_by);
    out.group_by_all = out.group_by.size() == 1 && out.group_by[0] == "...";
    if (out.group_by_all) out.group_by.clear();
  }
  // group_wait may be 0 (notify at once); the example config uses it.
  if (const YAML::Node w = YamlChild(n, "group_wait"); w.IsDefined() && w.IsScalar()) {
    auto d = ParseDuration(w.Scalar());
    if (d) {
      out.group_wait = *d;
    } else {
      r.Fail(w, path + ".group_wait", d.error().message());
    }
  }
  r.Dur(n, path, "group_interval", out.group_interval);
  r.Dur(n, path, "repeat_interval", out.repeat_interval);
  out.matchers = Matchers(r, n, path, "matchers", "match", "match_re");
  r.Bool(n, path, "continue", out.continue_matching);
  if (!parent && (!out.matchers.empty() || out.continue_matching)) {
    r.Fail(n, path, "the root route must not have matchers or continue");
  }
  if (!parent && out.receiver.empty()) r.Fail(n, path + ".receiver", "required at the root");
  const YAML::Node routes = YamlChild(n, "routes");
  for (size_t i = 0; routes.IsSequence() && i < routes.size(); ++i) {
    out.routes.emplace_back();
    ParseRoute(r, routes[i], YamlReader::Index(path + ".routes", i), &out, out.routes.back());
  }
}

// Reports each undefined receiver once, where it is named (children that
// inherit it are not repeated).
void CheckReceivers(YamlReader& r, const YAML::Node& at, const Route& route,
                    const std::set<std::string>& names, const std::string& inherited) {
  if (route.receiver != inherited && !route.receiver.empty() && !names.contains(route.receiver)) {
    r.Fail(at, route.id + ".receiver", "undefined receiver \"" + route.receiver + "\"");
  }
  for (const Route& child : route.routes) CheckReceivers(r, at, child, names, route.receiver);
}

void CheckTimeIntervals(YamlReader& r, const YAML::Node& at, const Route& route,
                        const RoutingConfig& cfg) {
  for (const auto* list : {&route.mute_time_intervals, &route.active_time_intervals}) {
    for (const std::string& name : *list) {
      if (cfg.FindTimeInterval(name)) continue;
      const char* key =
          list == &route.mute_time_intervals ? "mute_time_intervals" : "active_time_intervals";
      r.Fail(YamlChild(at, key), route.id + "." + key,
             "undefined time interval \"" + name + "\" (define it under time_intervals)");
    }
  }
  const YAML::Node children = YamlChild(at, "routes");
  for (size_t i = 0; i < route.routes.size(); ++i) {
    CheckTimeIntervals(r, children[i], route.routes[i], cfg);
  }
}

bool IsHttpUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// Calls `parse` for each element of the list `key` of a receiver.
template <typename Parse>
void EachConfig(const YAML::Node& receiver, const std::string& path, const char* key, Parse parse) {
  const YAML::Node list = YamlChild(receiver, key);
  for (size_t k = 0; list.IsSequence() && k < list.size(); ++k) {
    parse(list[k], YamlReader::Index(path + "." + key, k));
  }
}

std::vector<Receiver> Receivers(YamlReader& r, const YAML::Node& doc) {
  std::vector<Receiver> out;
  const YAML::Node list = YamlChild(doc, "receivers");
  for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
    const std::string path = YamlReader::Index("receivers", i);
    Receiver rec;
    if (!r.Keys(
            list[i], path,
            {"name", "webhook_configs", "slack_configs", "pagerduty_configs", "exec_configs"})) {
      continue;
    }
    r.Str(list[i], path, "name", rec.name);
    if (rec.name.empty()) r.Fail(list[i], path + ".name", "required");
    EachConfig(list[i], path, "webhook_configs", [&](const YAML::Node& n, const std::string& hp) {
      WebhookConfig w;
      if (!r.Keys(n, hp, {"url", "send_resolved", "max_alerts", "format"})) return;
      r.Str(n, hp, "url", w.url);
      r.Bool(n, hp, "send_resolved", w.send_resolved);
      r.Uint(n, hp, "max_alerts", w.max_alerts);
      std::string format = "alertmanager";
      r.Str(n, hp, "format", format);
      if (format == "firewatch") {
        w.format = WebhookConfig::Format::kFirewatch;
      } else if (format != "alertmanager") {
        r.Fail(YamlChild(n, "format"), hp + ".format", "expected alertmanager or firewatch");
      }
      if (!IsHttpUrl(w.url)) r.Fail(n, hp + ".url", "expected an http:// or https:// URL");
      rec.webhooks.push_back(std::move(w));
    });
    EachConfig(list[i], path, "slack_configs", [&](const YAML::Node& n, const std::string& sp) {
      SlackConfig c;
      if (!r.Keys(n, sp, {"api_url", "channel", "username", "send_resolved"})) return;
      r.Str(n, sp, "api_url", c.api_url);
      r.Str(n, sp, "channel", c.channel);
      r.Str(n, sp, "username", c.username);
      r.Bool(n, sp, "send_resolved", c.send_resolved);
      if (!IsHttpUrl(c.api_url)) {
        r.Fail(n, sp + ".api_url", "expected the incoming webhook's http(s):// URL");
      }
      rec.slack.push_back(std::move(c));
    });
    EachConfig(list[i], path, "pagerduty_configs", [&](const YAML::Node& n, const std::string& pp) {
      PagerDutyConfig c;
      if (!r.Keys(n, pp, {"routing_key", "url", "severity", "send_resolved"})) return;
      r.Str(n, pp, "routing_key", c.routing_key);
      r.Str(n, pp, "url", c.url);
      r.Str(n, pp, "severity", c.severity);
      r.Bool(n, pp, "send_resolved", c.send_resolved);
      if (c.routing_key.empty()) r.Fail(n, pp + ".routing_key", "required (the integration key)");
      if (!IsHttpUrl(c.url)) r.Fail(n, pp + ".url", "expected an http:// or https:// URL");
      if (!c.severity.empty() && c.severity != "critical" && c.severity != "error" &&
          c.severity != "warning" && c.severity != "info") {
        r.Fail(YamlChild(n, "severity"), pp + ".severity",
               "expected critical, error, warning or info");
      }
      rec.pagerduty.push_back(std::move(c));
    });
    EachConfig(list[i], path, "exec_configs", [&](const YAML::Node& n, const std::string& ep) {
      ExecConfig c;
      if (!r.Keys(n, ep, {"command", "timeout", "send_resolved"})) return;
      r.StrList(n, ep, "command", c.command);
      r.Bool(n, ep, "send_resolved", c.send_resolved);
      std::string timeout;
      r.Str(n, ep, "timeout", timeout);
      if (!timeout.empty()) {
        auto d = ParseDuration(timeout);
        if (!d || d->count() <= 0) {
          r.Fail(YamlChild(n, "timeout"), ep + ".timeout", "expected a duration such as 30s");
        } else {
          c.timeout = *d;
        }
      }
      if (c.command.empty() || c.command[0].empty()) {
        r.Fail(n, ep + ".command", "required: [program, arg, ...] (run without a shell)");
      }
      rec.exec.push_back(std::move(c));
    });
    out.push_back(std::move(rec));
  }
  return out;
}

std::vector<InhibitRule> InhibitRules(YamlReader& r, const YAML::Node& doc) {
  std::vector<InhibitRule> out;
  const YAML::Node list = YamlChild(doc, "inhibit_rules");
  for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
    const std::string path = YamlReader::Index("inhibit_rules", i);
    if (!r.Keys(list[i], path,
                {"source_matchers", "target_matchers", "source_match", "source_match_re",
                 "target_match", "target_match_re", "equal"})) {
      continue;
    }
    InhibitRule rule;
    rule.source = Matchers(r, list[i], path, "source_matchers", "source_match", "source_match_re");
    rule.target = Matchers(r, list[i], path, "target_matchers", "target_match", "target_match_re");
    r.StrList(list[i], path, "equal", rule.equal);
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace

std::vector<const Route*> Route::Match(const LabelSet& labels) const {
  if (!MatchesAll(matchers, labels)) return {};
  std::vector<const Route*> all;
  for (const Route& child : routes) {
    std::vector<const Route*> matched = child.Match(labels);
    all.insert(all.end(), matched.begin(), matched.end());
    if (!matched.empty() && !child.continue_matching) break;
  }
  if (all.empty()) all.push_back(this);
  return all;
}

const NamedTimeInterval* RoutingConfig::FindTimeInterval(const std::string& name) const {
  for (const NamedTimeInterval& t : time_intervals) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string RoutingConfig::MutedBy(const Route& route, Timestamp now) const {
  for (const std::string& name : route.mute_time_intervals) {
    const NamedTimeInterval* t = FindTimeInterval(name);
    if (t && t->Contains(now)) return "mute_time_intervals: " + name + " (" + route.id + ")";
  }
  if (route.active_time_intervals.empty()) return "";
  for (const std::string& name : route.active_time_intervals) {
    const NamedTimeInterval* t = FindTimeInterval(name);
    if (t && t->Contains(now)) return "";
  }
  std::string names;
  for (const std::string& n : route.active_time_intervals) names += (names.empty() ? "" : ", ") + n;
  return "outside active_time_intervals: " + names + " (" + route.id + ")";
}

const Receiver* RoutingConfig::FindReceiver(const std::string& name) const {
  for (const Receiver& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

RoutingConfig ParseRouting(YamlReader& r, const YAML::Node& doc) {
  RoutingConfig cfg;
  cfg.receivers = Receivers(r, doc);
  cfg.inhibit_rules = InhibitRules(r, doc);
  cfg.time_intervals = ParseTimeIntervals(r, doc);
  cfg.flap_detection = ParseFlapDetection(r, doc);
  const YAML::Node route = YamlChild(doc, "route");
  if (!route.IsDefined() || route.IsNull()) {
    if (!cfg.receivers.empty()) r.Fail(doc, "route", "receivers are configured but no route");
    return cfg;
  }
  ParseRoute(r, route, "route", nullptr, cfg.root);
  std::set<std::string> names;
  for (const Receiver& rec : cfg.receivers) {
    if (!names.insert(rec.name).second) {
      r.Fail(YamlChild(doc, "receivers"), "receivers",
             "receiver \"" + rec.name + "\" is defined twice");
    }
  }
  CheckReceivers(r, route, cfg.root, names, "");
  CheckTimeIntervals(r, route, cfg.root, cfg);
  return cfg;
}

}  // namespace fw::alerting
