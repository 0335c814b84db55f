#include "alerting/api.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "alerting/webhook.h"
#include "common/json_body.h"
#include "metrics/promql/ast.h"

namespace fw::alerting {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;
using server::Role;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
Response Ok(const json& data) {
  return Response::Json(200, Dump({{"status", "success"}, {"data", data}}));
}
Response Bad(const std::string& why) { return Response::ErrorJson(400, "invalid_argument", why); }

json LabelsJson(const LabelSet& l) {
  json out = json::object();
  for (const Label& x : l.labels()) out[x.name] = x.value;
  return out;
}
json PairsJson(const std::vector<std::pair<std::string, std::string>>& p) {
  json out = json::object();
  for (const auto& [k, v] : p) out[k] = v;
  return out;
}
json TemplatedJson(const std::vector<TemplatedLabel>& l) {
  json out = json::object();
  for (const TemplatedLabel& x : l) out[x.name] = x.text;
  return out;
}
std::string Time(Timestamp t) { return FormatRfc3339Millis(t); }

json AlertJson(const Alert& a) {
  return {{"labels", LabelsJson(a.labels)},
          {"annotations", PairsJson(a.annotations)},
          {"state", ToString(a.state)},
          {"activeAt", Time(a.active_at)},
          {"value", metrics::promql::FormatFloat(a.value)}};
}

// Shared state of the intake endpoints: PagerDuty dedup keys to the alert
// they raised, and the change events received.
struct IntakeState {
  std::mutex mu;
  std::map<std::string, RoutedAlert> by_dedup_key;
  std::deque<json> changes;  // newest last, bounded
};

json RulesJson(RuleManager* rules) {
  json groups = json::array();
  if (!rules) return {{"status", "success"}, {"data", {{"groups", groups}}}};
  std::map<std::string, std::vector<Alert>> alerts_by_rule;
  for (const RuleAlerts& ra : rules->Alerts()) {
    alerts_by_rule[ra.group + "/" + ra.rule->name] = ra.alerts;
  }
  for (const GroupStatus& g : rules->Status()) {
    json list = json::array();
    for (const RuleResult& r : g.rules) {
      json rule = {{"name", r.rule},
                   {"health", r.error.empty() ? "ok" : "err"},
                   {"lastError", r.error},
                   {"lastEvaluation", Time(g.last_eval)}};
      auto it = alerts_by_rule.find(g.name + "/" + r.rule);
      rule["type"] = it == alerts_by_rule.end() ? "recording" : "alerting";
      if (it != alerts_by_rule.end()) {
        json alerts = json::array();
        std::string state = "inactive";
        for (const Alert& a : it->second) {
          if (a.state == AlertState::kInactive) continue;
          alerts.push_back(AlertJson(a));
          if (a.state == AlertState::kFiring || state == "inactive") state = ToString(a.state);
        }
        rule["alerts"] = alerts;
        rule["state"] = state;
      }
      list.push_back(rule);
    }
    groups.push_back({{"name", g.name},
                      {"file", g.file},
                      {"interval", g.interval.count() / 1000.0},
                      {"lastEvaluation", Time(g.last_eval)},
                      {"evaluationTime", g.last_duration_us / 1e6},
                      {"rules", list}});
  }
  return {{"status", "success"}, {"data", {{"groups", groups}}}};
}

// Rule definitions (query, for, labels) joined in from the rule list.
void AddRuleDefinitions(RuleManager* rules, json& body) {
  if (!rules) return;
  std::map<std::string, const Rule*> defs;
  for (const RuleAlerts& ra : rules->Alerts()) defs[ra.group + "/" + ra.rule->name] = ra.rule;
  for (json& g : body["data"]["groups"]) {
    for (json& r : g["rules"]) {
      auto it = defs.find(g["name"].get<std::string>() + "/" + r["name"].get<std::string>());
      if (it == defs.end()) continue;
      r["query"] = it->second->expr_text;
      r["duration"] = it->second->for_duration.count() / 1000.0;
      r["keepFiringFor"] = it->second->keep_firing_for.count() / 1000.0;
      r["labels"] = TemplatedJson(it->second->labels);
      r["annotations"] = TemplatedJson(it->second->annotations);
    }
  }
}

Response Alerts(RuleManager* rules) {
  json list = json::array();
  if (rules) {
    for (const RuleAlerts& ra : rules->Alerts()) {
      for (const Alert& a : ra.alerts) {
        if (a.state != AlertState::kInactive) list.push_back(AlertJson(a));
      }
    }
  }
  return Ok({{"alerts", list}});
}

Result<std::vector<Matcher>> SilenceMatchers(const json& body) {
  if (!body.contains("matchers") || !body["matchers"].is_array() || body["matchers"].empty()) {
    return Fail(ErrorCode::kInvalidArgument, "matchers: at least one is required");
  }
  std::vector<Matcher> out;
  for (const json& m : body["matchers"]) {
    if (!m.is_object() || !m.contains("name") || !m.contains("value")) {
      return Fail(ErrorCode::kInvalidArgument, "matchers: each needs name and value");
    }
    const bool regex = m.value("isRegex", false), equal = m.value("isEqual", true);
    const Matcher::Op op = regex ? (equal ? Matcher::Op::kRegex : Matcher::Op::kNotRegex)
                                 : (equal ? Matcher::Op::kEqual : Matcher::Op::kNotEqual);
    auto matcher = Matcher::Make(m["name"].get<std::string>(), op, m["value"].get<std::string>());
    if (!matcher) return Fail(matcher.error());
    out.push_back(std::move(*matcher));
  }
  return out;
}

Response PostSilence(AlertingService& svc, const Request& req, Timestamp now) {
  json body = ParseJsonBody(req.body);
  if (!body.is_object()) return Bad("body must be a JSON silence");
  auto matchers = SilenceMatchers(body);
  if (!matchers) return Bad(matchers.error().message());
  Silence s;
  s.matchers = std::move(*matchers);
  auto start = ParseTimestamp(body.value("startsAt", ""));
  auto end = ParseTimestamp(body.value("endsAt", ""));
  if (!end) return Bad("endsAt: an RFC 3339 time is required");
  s.starts_at = start ? *start : now;
  s.ends_at = *end;
  s.created_by = body.value("createdBy", req.principal);
  s.comment = body.value("comment", "");
  if (s.comment.empty()) return Bad("comment: say why this is silenced");
  auto id = svc.AddSilence(std::move(s));
  if (!id) return Bad(id.error().message());
  return Response::Json(200, Dump({{"silenceID", *id}}));
}

Response Silences(AlertingService& svc, Timestamp now) {
  json list = json::array();
  for (const Silence& s : svc.Silences()) {
    json matchers = json::array();
    for (const Matcher& m : s.matchers) {
      const bool regex = m.op() == Matcher::Op::kRegex || m.op() == Matcher::Op::kNotRegex;
      const bool equal = m.op() == Matcher::Op::kEqual || m.op() == Matcher::Op::kRegex;
      matchers.push_back(
          {{"name", m.name()}, {"value", m.value()}, {"isRegex", regex}, {"isEqual", equal}});
    }
    const char* state = s.active(now) ? "active" : s.starts_at > now ? "pending" : "expired";
    list.push_back({{"id", s.id},
                    {"matchers", matchers},
                    {"startsAt", Time(s.starts_at)},
                    {"endsAt", Time(s.ends_at)},
                    {"createdBy", s.created_by},
                    {"comment", s.comment},
                    {"status", {{"state", state}}}});
  }
  return Response::Json(200, Dump(list));
}

// Intake is durable before it is answered: journaled (fsynced), then routed
// (here, or by the leader of the replicas sharing the intake).
Result<void> Accept(AlertingService& svc, IntakeSink* journal,
                    const std::vector<RoutedAlert>& alerts) {
  if (journal) {
    if (auto r = journal->Append(alerts); !r) return r;
  }
  if (!journal || !journal->routed_elsewhere()) svc.Put(alerts);
  return {};
}

Response Unavailable(const Error& e) {
  return Response::ErrorJson(503, "unavailable",
                             "the alert could not be made durable, send it again: " + e.ToString());
}

Response PagerDuty(AlertingService& svc, IntakeState& st, IntakeSink* journal, const Request& req,
                   Timestamp now) {
  auto e = ParsePagerDutyEvent(req.body, now);
  if (!e) {
    return Response::Json(400, Dump({{"status", "invalid event"},
                                     {"message", "Event object is invalid"},
                                     {"errors", json::array({e.error().message()})}}));
  }
  std::vector<RoutedAlert> out;  // routed after the lock: the journal's fsync is slow
  std::unique_lock lock(st.mu);
  // The dedup state as it was, put back if the event cannot be made durable
  // (a full disk): an event answered 503 must leave no trace.
  std::optional<RoutedAlert> before;
  if (auto it = st.by_dedup_key.find(e->dedup_key); it != st.by_dedup_key.end()) {
    before = it->second;
  }
  if (e->action == PagerDutyEvent::Action::kTrigger) {
    RoutedAlert a = ToRoutedAlert(*e, now);
    auto old = st.by_dedup_key.find(e->dedup_key);
    if (old != st.by_dedup_key.end() && !(old->second.labels == a.labels)) {
      RoutedAlert gone = old->second;  // re-triggered with other labels: replace
      gone.ends_at = now;
      out.push_back(std::move(gone));
    }
    st.by_dedup_key[e->dedup_key] = a;
    out.push_back(a);
  } else if (e->action == PagerDutyEvent::Action::kResolve) {
    auto it = st.by_dedup_key.find(e->dedup_key);
    if (it != st.by_dedup_key.end()) {
      it->second.ends_at = now;
      out.push_back(it->second);
      st.by_dedup_key.erase(it);
    }
  }
  std::optional<RoutedAlert> after;
  if (auto it = st.by_dedup_key.find(e->dedup_key); it != st.by_dedup_key.end()) {
    after = it->second;
  }
  lock.unlock();
  if (auto r = Accept(svc, journal, out); !r) {
    lock.lock();
    // Unless another event for the key came in meanwhile.
    auto now_it = st.by_dedup_key.find(e->dedup_key);
    const bool untouched = after ? now_it != st.by_dedup_key.end() &&
                                       now_it->second.labels == after->labels &&
                                       now_it->second.ends_at == after->ends_at
                                 : now_it == st.by_dedup_key.end();
    if (!untouched) return Unavailable(r.error());
    if (before) {
      st.by_dedup_key[e->dedup_key] = *before;
    } else {
      st.by_dedup_key.erase(e->dedup_key);
    }
    return Unavailable(r.error());
  }
  // acknowledge: nothing to route; incidents record it (a later stage).
  return Response::Json(
      202,
      Dump({{"status", "success"}, {"message", "Event processed"}, {"dedup_key", e->dedup_key}}));
}

Response Change(IntakeState& st, changes::ChangeLog* log, const Request& req, Timestamp now) {
  auto c = ParsePagerDutyChange(req.body, now);
  if (!c) {
    return Response::Json(400, Dump({{"status", "invalid event"},
                                     {"message", "Event object is invalid"},
                                     {"errors", json::array({c.error().message()})}}));
  }
  json entry = {{"summary", c->summary},
                {"source", c->source},
                {"timestamp", Time(c->timestamp)},
                {"received", Time(now)},
                {"links", c->links},
                {"custom_details", json::parse(c->custom_details_json, nullptr, false)}};
  if (log) {
    auto recorded = log->Record(
        changes::ChangeFromPagerDuty(c->timestamp, c->summary, c->source, c->custom_details_json));
    if (!recorded) return Unavailable(recorded.error());
  }
  std::lock_guard lock(st.mu);
  st.changes.push_back(std::move(entry));
  while (st.changes.size() > 10'000) st.changes.pop_front();
  return Response::Json(202, Dump({{"status", "success"}, {"message", "Change event processed"}}));
}

json ExplanationJson(const Explanation& e) {
  return {{"known", e.known},         {"routes", e.routes},         {"groups", e.groups},
          {"silencedBy", e.silences}, {"inhibitedBy", e.inhibited}, {"mutedBy", e.muted},
          {"flapping", e.flapping},   {"text", e.ToString()}};
}

// Alertmanager's GET /api/v2/alerts shape.
Response ListAlerts(AlertingService& svc, Timestamp now) {
  json list = json::array();
  for (const auto& [a, why] : svc.Alerts()) {
    const bool suppressed = why.Suppressed();
    list.push_back({{"labels", LabelsJson(a.labels)},
                    {"annotations", PairsJson(a.annotations)},
                    {"startsAt", Time(a.starts_at)},
                    {"endsAt", a.ends_at ? Time(a.ends_at) : "0001-01-01T00:00:00Z"},
                    {"generatorURL", a.generator_url},
                    {"fingerprint", Fingerprint(a.labels)},
                    {"status",
                     {{"state", a.resolved(now) ? "resolved"
                                : suppressed    ? "suppressed"
                                                : "active"},
                      {"silencedBy", why.silences},
                      {"inhibitedBy", why.inhibited},
                      {"mutedBy", why.muted}}},
                    {"routes", why.routes}});
  }
  return Response::Json(200, Dump(list));
}

Response Explain(AlertingService& svc, const Request& req) {
  if (const std::string fp = req.Param("fingerprint"); !fp.empty()) {
    for (const auto& [a, why] : svc.Alerts()) {
      if (Fingerprint(a.labels) == fp) {
        json data = ExplanationJson(why);
        data["labels"] = LabelsJson(a.labels);
        return Ok(data);
      }
    }
    return Response::ErrorJson(404, "not_found", "no alert with fingerprint " + fp);
  }
  json labels = ParseJsonBody(req.Param("alert"));
  if (!labels.is_object()) return Bad("alert: give the alert's labels as a JSON object");
  std::vector<Label> pairs;
  for (const auto& [k, v] : labels.items()) {
    if (!v.is_string()) return Bad("alert: label values must be strings");
    pairs.push_back({k, v.get<std::string>()});
  }
  return Ok(ExplanationJson(svc.Explain(LabelSet(std::move(pairs)))));
}

Response PostChange(changes::ChangeLog* log, const Request& req, Timestamp now) {
  if (!log) return Response::ErrorJson(503, "unavailable", "this server keeps no change log");
  json doc = json::parse(req.body, nullptr, false);
  if (!doc.is_object()) {
    return Bad(
        "expected one JSON object, e.g. {\"type\":\"deployment\",\"service\":\"shop\","
        "\"version\":\"v2\",\"previous_version\":\"v1\"}");
  }
  if (!doc.contains("@timestamp") && !doc.contains("timestamp") && !doc.contains("time")) {
    doc["@timestamp"] = FormatRfc3339Millis(now);
  } else if (doc.contains("time") && !doc.contains("@timestamp")) {
    doc["@timestamp"] = doc["time"];
    doc.erase("time");
  }
  if (doc.contains("author") && !doc.contains("who")) doc["who"] = doc["author"];
  auto e = changes::ParseChangeJson(doc.dump());
  if (!e) return Bad(e.error().message());
  // The analysis knows the usual kinds; others are kept and listed too.
  const bool word = !e->type.empty() && e->type.size() <= 64 &&
                    std::all_of(e->type.begin(), e->type.end(),
                                [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  if (!word) {
    return Bad(
        "type: a lower-case word such as deployment, config, feature_flag, scaling, "
        "instance, infrastructure or rollback, got \"" +
        e->type + "\"");
  }
  if (e->type == "deployment" && e->Field("version").empty()) {
    return Bad("a deployment needs \"version\" (and \"service\", \"previous_version\")");
  }
  if (auto r = log->Record(*e); !r) return Unavailable(r.error());
  return Response::Json(202, Dump({{"status", "success"}, {"summary", e->summary}}));
}

}  // namespace

void RegisterAlertingApi(server::HttpServer& http, AlertingService& svc, RuleManager* rules,
                         Clock& clock, IntakeOptions intake) {
  auto state = std::make_shared<IntakeState>();
  changes::ChangeLog* changes = intake.changes;
  IntakeSink* journal = intake.journal;
  // PagerDuty alerts put back from the journal answer to their dedup_key again.
  for (const RoutedAlert& a : intake.replayed) {
    if (a.labels.Has("dedup_key") && a.ends_at == 0) {
      state->by_dedup_key[std::string(a.labels.Get("dedup_key"))] = a;
    }
  }
  http.Handle("GET", "/api/v1/rules", Role::kViewer, [rules](const Request&) {
    json body = RulesJson(rules);
    AddRuleDefinitions(rules, body);
    return Response::Json(200, Dump(body));
  });
  http.Handle("GET", "/api/v1/alerts", Role::kViewer,
              [rules](const Request&) { return Alerts(rules); });
  http.Handle("POST", "/api/v2/alerts", Role::kResponder,
              [&svc, &clock, journal](const Request& req) {
                auto alerts = ParseAlertmanagerApiAlerts(req.body, clock.Now());
                if (!alerts) return Bad(alerts.error().message());
                if (auto r = Accept(svc, journal, *alerts); !r) return Unavailable(r.error());
                return Response::Json(200, "{}");
              });
  http.Handle(
      "POST", "/api/v1/intake/alertmanager", Role::kResponder, [&svc, journal](const Request& req) {
        auto alerts = ParseAlertmanagerPayload(req.body);
        if (!alerts) return Bad(alerts.error().message());
        if (auto r = Accept(svc, journal, *alerts); !r) return Unavailable(r.error());
        return Response::Json(200, Dump({{"status", "success"}, {"alerts", alerts->size()}}));
      });
  http.Handle("GET", "/api/v2/alerts", Role::kViewer,
              [&svc, &clock](const Request&) { return ListAlerts(svc, clock.Now()); });
  // Alertmanager's silence API, and the same under firewatch's /api/v1.
  for (const char* base : {"/api/v2/silences", "/api/v1/silences"}) {
    http.Handle("GET", base, Role::kViewer,
                [&svc, &clock](const Request&) { return Silences(svc, clock.Now()); });
    http.Handle("POST", base, Role::kResponder,
                [&svc, &clock](const Request& req) { return PostSilence(svc, req, clock.Now()); });
  }
  for (const char* one : {"/api/v2/silence/:id", "/api/v1/silences/:id"}) {
    http.Handle("DELETE", one, Role::kResponder, [&svc](const Request& req) {
      if (!svc.ExpireSilence(req.path_params.at("id"))) {
        return Response::ErrorJson(404, "not_found", "no active silence with that id");
      }
      return Response::Json(200, "{}");
    });
  }
  // PagerDuty's own paths, so existing senders only change the host, and
  // firewatch's intake paths beside the Alertmanager one.
  for (const char* path : {"/v2/enqueue", "/api/v1/intake/pagerduty"}) {
    http.Handle("POST", path, Role::kResponder, [&svc, &clock, state, journal](const Request& req) {
      return PagerDuty(svc, *state, journal, req, clock.Now());
    });
  }
  for (const char* path : {"/v2/change/enqueue", "/api/v1/intake/pagerduty/change"}) {
    http.Handle("POST", path, Role::kResponder, [&clock, state, changes](const Request& req) {
      return Change(*state, changes, req, clock.Now());
    });
  }
  // Senders post these at high rates; only their failures belong in the info log.
  for (const char* path :
       {"/api/v2/alerts", "/api/v1/intake/alertmanager", "/v2/enqueue", "/api/v1/intake/pagerduty",
        "/v2/change/enqueue", "/api/v1/intake/pagerduty/change"}) {
    http.LogQuietly("POST", path);
  }
  // Change events: every kind, from every source, oldest first. ?since= and
  // ?until= (RFC 3339 or Unix seconds) narrow the window.
  http.Handle("GET", "/api/v1/changes", Role::kViewer, [state, changes](const Request& req) {
    if (!changes) {
      std::lock_guard lock(state->mu);
      return Ok(json(state->changes));
    }
    Timestamp from = 0, to = std::numeric_limits<Timestamp>::max();
    for (auto [name, into] : {std::pair{"since", &from}, std::pair{"until", &to}}) {
      if (req.Param(name).empty()) continue;
      auto t = ParseTimestamp(req.Param(name));
      if (!t) return Bad(std::string(name) + ": " + t.error().message());
      *into = *t;
    }
    json list = json::array();
    for (const changes::ChangeEvent& e : changes->Between(from, to)) {
      json item = json::parse(changes::ChangeJson(e), nullptr, false);
      item["summary"] = e.summary;
      list.push_back(std::move(item));
    }
    return Ok(list);
  });
  // A change as a CI/CD system reports it: {"type": "deployment",
  // "service": "shop", "version": "v2", "previous_version": "v1",
  // "author": "ci", "@timestamp": "..."} (time optional: now).
  http.Handle("POST", "/api/v1/changes", Role::kResponder, [changes, &clock](const Request& req) {
    return PostChange(changes, req, clock.Now());
  });
  // Maintenance windows are Alertmanager's time intervals (configured, not
  // created over the API: a silence covers an ad-hoc window).
  for (const char* path : {"/api/v1/time_intervals", "/api/v1/maintenance_windows"}) {
    http.Handle("GET", path, Role::kViewer, [&svc](const Request&) {
      json list = json::array();
      for (const auto& [name, active] : svc.TimeIntervals()) {
        list.push_back({{"name", name}, {"active", active}});
      }
      return Ok({{"timeIntervals", list}});
    });
  }
  http.Handle("GET", "/api/v1/alerts/explain", Role::kViewer,
              [&svc](const Request& req) { return Explain(svc, req); });
}

}  // namespace fw::alerting
