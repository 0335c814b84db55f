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

std::vector<Receiver> Receivers(YamlReader& r, const YAML::Node& doc) {
  std::vector<Receiver> out;
  const YAML::Node list = YamlChild(doc, "receivers");
  for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
    const std::string path = YamlReader::Index("receivers", i);
    Receiver rec;
    if (!r.Keys(list[i], path, {"name", "webhook_configs"})) continue;
    r.Str(list[i], path, "name", rec.name);
    if (rec.name.empty()) r.Fail(list[i], path + ".name", "required");
    const YAML::Node hooks = YamlChild(list[i], "webhook_configs");
    for (size_t k = 0; hooks.IsSequence() && k < hooks.size(); ++k) {
      const std::string hp = YamlReader::Index(path + ".webhook_configs", k);
      WebhookConfig w;
      if (!r.Keys(hooks[k], hp, {"url", "send_resolved", "max_alerts"})) continue;
      r.Str(hooks[k], hp, "url", w.url);
      r.Bool(hooks[k], hp, "send_resolved", w.send_resolved);
      r.Uint(hooks[k], hp, "max_alerts", w.max_alerts);
      if (!w.url.starts_with("http://") && !w.url.starts_with("https://")) {
        r.Fail(hooks[k], hp + ".url", "expected an http:// or https:// URL");
      }
      rec.webhooks.push_back(std::move(w));
    }
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
