#include "incident/api.h"

#include <nlohmann/json.hpp>

#include "common/json_body.h"

namespace fw::incident {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
Response Ok(const json& data) {
  return Response::Json(200, Dump({{"status", "success"}, {"data", data}}));
}
// RFC 3339, or null for a moment that has not come.
json Time(std::optional<Timestamp> t) { return t ? json(FormatRfc3339Millis(*t)) : json(nullptr); }

json IncidentJson(const Incident& i) {
  json roles = json::object();
  for (const auto& [role, person] : i.roles) roles[std::string(RoleName(role))] = person;
  json alerts = json::array();
  for (const LinkedAlert& a : i.alerts) {
    json labels = json::object();
    for (const Label& l : a.labels.labels()) labels[l.name] = l.value;
    alerts.push_back({{"fingerprint", a.fingerprint}, {"labels", labels}, {"firing", a.firing}});
  }
  return {{"id", i.id},
          {"title", i.title},
          {"services", i.services},
          {"severity", SeverityName(i.severity)},
          {"status", StateName(i.state)},
          {"group_key", i.group_key},
          {"created_at", Time(i.created_at)},
          {"acknowledged_at", Time(i.acknowledged_at)},
          {"mitigated_at", Time(i.mitigated_at)},
          {"resolved_at", Time(i.resolved_at)},
          {"closed_at", Time(i.closed_at)},
          {"roles", roles},
          {"alerts", alerts}};
}

json EntryJson(const TimelineEntry& e) {
  return {{"seq", e.seq},
          {"time", FormatRfc3339Millis(e.time)},
          {"actor", e.actor},
          {"source", e.source},
          {"kind", EntryKindName(e.kind)},
          {"text", e.text},
          {"details", json::parse(e.details, nullptr, false)}};
}

json MetricsJson(const IncidentMetrics& m) {
  auto stats = [](const DurationStats& d) {
    return json{{"count", d.count},
                {"meanSeconds", d.mean_ms / 1000},
                {"medianSeconds", d.median_ms / 1000}};
  };
  json severity = json::object();
  for (size_t i = 0; i < m.by_severity.size(); ++i)
    severity["P" + std::to_string(i + 1)] = m.by_severity[i];
  return {{"from", FormatRfc3339Millis(m.from)},
          {"to", FormatRfc3339Millis(m.to)},
          {"total", m.total},
          {"open", m.open},
          {"byService", m.by_service},
          {"bySeverity", severity},
          {"mtta", stats(m.mtta)},
          {"mttr", stats(m.mttr)}};
}

Response Answer(const Result<Incident>& r) {
  if (!r) return Response::FromError(r.error());
  return Ok(IncidentJson(*r));
}

Who Caller(const Request& req) { return {req.principal.empty() ? "api" : req.principal, "api"}; }

// A string field of the JSON body, or an error naming it.
Result<std::string> Field(const Request& req, const char* name) {
  json body = ParseJsonBody(req.body);
  if (!body.is_object() || !body.contains(name) || !body[name].is_string() ||
      body[name].get<std::string>().empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("body must be a JSON object with a non-empty \"") + name + "\"");
  }
  return body[name].get<std::string>();
}

Response List(IncidentService& svc, const Request& req) {
  IncidentFilter f;
  if (const std::string s = req.Param("state"); !s.empty()) {
    auto state = ParseState(s);
    if (!state) return Response::FromError(state.error());
    f.state = *state;
  }
  f.open_only = req.Param("open") == "true";
  f.service = req.Param("service");
  auto list = svc.List(f);
  if (!list) return Response::FromError(list.error());
  json out = json::array();
  for (const Incident& i : *list) out.push_back(IncidentJson(i));
  return Response::Json(200, Dump({{"status", "success"}, {"incidents", out}}));
}

// GET /api/v1/status, the one public view: open incidents' title, severity
// and state, nothing internal (no ids, labels, people or timeline).
Response Status(IncidentService& svc) {
  IncidentFilter f;
  f.open_only = true;
  f.limit = 100;
  auto list = svc.List(f);
  if (!list) return Response::ErrorJson(503, "io", "status is unavailable; retry later");
  json out = json::array();
  for (const Incident& i : *list) {
    out.push_back({{"title", i.title},
                   {"severity", SeverityName(i.severity)},
                   {"state", StateName(i.state)}});
  }
  return Response::Json(200, Dump({{"status", "success"},
                                   {"data", {{"operational", out.empty()}, {"incidents", out}}}}));
}

// A declared incident: {"title", "services": [...], "severity": "P2"}.
Response Declare(IncidentService& svc, const Request& req) {
  auto title = Field(req, "title");
  if (!title) return Response::FromError(title.error());
  json body = ParseJsonBody(req.body);
  NewIncident n;
  n.title = *title;
  if (body.contains("services") && body["services"].is_array()) {
    for (const json& s : body["services"]) {
      if (s.is_string()) n.services.push_back(s.get<std::string>());
    }
  }
  auto sev = ParseSeverity(body.value("severity", "P3"));
  if (!sev) return Response::FromError(sev.error());
  n.severity = *sev;
  return Answer(svc.Declare(n, Caller(req)));
}

Response Show(IncidentService& svc, const std::string& id) {
  auto inc = svc.Get(id);
  if (!inc) return Response::FromError(inc.error());
  auto timeline = svc.Timeline(id);
  if (!timeline) return Response::FromError(timeline.error());
  json out = IncidentJson(*inc);
  out["timeline"] = json::array();
  for (const TimelineEntry& e : *timeline) out["timeline"].push_back(EntryJson(e));
  return Ok(out);
}

Response Metrics(IncidentService& svc, const Request& req, Timestamp now) {
  Timestamp from = now - 30LL * 86'400'000, to = now;
  for (auto [name, field] : {std::pair{"from", &from}, {"to", &to}}) {
    if (const std::string v = req.Param(name); !v.empty()) {
      auto t = ParseTimestamp(v);
      if (!t) return Response::FromError(t.error().WithContext(name));
      *field = *t;
    }
  }
  auto m = svc.Metrics(from, to);
  if (!m) return Response::FromError(m.error());
  return Ok(MetricsJson(*m));
}

json ActionItemJson(const ActionItem& a) {
  return {{"id", a.id},
          {"incident", a.incident_id},
          {"text", a.text},
          {"owner", a.owner},
          {"done", a.done},
          {"createdAt", Time(a.created_at)},
          {"doneAt", Time(a.done_at)}};
}

Response ItemsAnswer(const Result<std::vector<ActionItem>>& r) {
  if (!r) return Response::FromError(r.error());
  json out = json::array();
  for (const ActionItem& a : *r) out.push_back(ActionItemJson(a));
  return Ok(out);
}

// One item of a POST body: {"text": "...", "owner": "...", "done": false}.
Result<ActionItem> ItemFrom(const json& j) {
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
    return Fail(ErrorCode::kInvalidArgument,
                "an action item must be a JSON object with a string \"text\"");
  }
  if ((j.contains("owner") && !j["owner"].is_string()) ||
      (j.contains("done") && !j["done"].is_boolean())) {
    return Fail(ErrorCode::kInvalidArgument,
                "an action item's \"owner\" must be a string and \"done\" a boolean");
  }
  ActionItem a;
  a.text = j["text"].get<std::string>();
  a.owner = j.value("owner", "");
  a.done = j.value("done", false);
  return a;
}

Response AddItems(IncidentService& svc, const Request& req) {
  json body = ParseJsonBody(req.body);
  std::vector<ActionItem> items;
  if (body.is_object() && body.contains("items")) {
    if (!body["items"].is_array()) {
      return Response::ErrorJson(400, "invalid_argument", "\"items\" must be an array");
    }
    for (const json& j : body["items"]) {
      auto item = ItemFrom(j);
      if (!item) return Response::FromError(item.error());
      items.push_back(std::move(*item));
    }
  } else {
    auto item = ItemFrom(body);
    if (!item) return Response::FromError(item.error());
    items.push_back(std::move(*item));
  }
  return ItemsAnswer(svc.AddActionItems(req.path_params.at("id"), items, Caller(req)));
}

Response SetItemDone(IncidentService& svc, const Request& req) {
  bool done = true;
  if (!req.body.empty()) {
    json body = ParseJsonBody(req.body);
    if (!body.is_object() || (body.contains("done") && !body["done"].is_boolean())) {
      return Response::ErrorJson(400, "invalid_argument",
                                 "body must be a JSON object like {\"done\": true}");
    }
    done = body.value("done", true);
  }
  auto r =
      svc.SetActionItemDone(req.path_params.at("id"), req.path_params.at("aid"), done, Caller(req));
  if (!r) return Response::FromError(r.error());
  return Ok(ActionItemJson(*r));
}

}  // namespace

void RegisterIncidentApi(server::HttpServer& http, IncidentService& svc, Clock& clock) {
  using server::Role;
  http.Handle("GET", "/api/v1/incidents", Role::kViewer,
              [&svc](const Request& req) { return List(svc, req); });
  http.HandlePublic("GET", "/api/v1/status", [&svc](const Request&) { return Status(svc); });
  http.Handle("POST", "/api/v1/incidents", Role::kResponder,
              [&svc](const Request& req) { return Declare(svc, req); });
  http.Handle("GET", "/api/v1/incidents/metrics", Role::kViewer,
              [&svc, &clock](const Request& req) { return Metrics(svc, req, clock.Now()); });
  http.Handle("GET", "/api/v1/incidents/:id", Role::kViewer,
              [&svc](const Request& req) { return Show(svc, req.path_params.at("id")); });
  http.Handle("GET", "/api/v1/incidents/:id/action_items", Role::kViewer,
              [&svc](const Request& req) {
                return ItemsAnswer(svc.ActionItems(req.path_params.at("id")));
              });
  http.Handle("POST", "/api/v1/incidents/:id/action_items", Role::kResponder,
              [&svc](const Request& req) { return AddItems(svc, req); });
  http.Handle("POST", "/api/v1/incidents/:id/action_items/:aid", Role::kResponder,
              [&svc](const Request& req) { return SetItemDone(svc, req); });
  http.Handle("POST", "/api/v1/incidents/:id/:verb", Role::kResponder, [&svc](const Request& req) {
    const std::string& id = req.path_params.at("id");
    const std::string& verb = req.path_params.at("verb");
    const Who who = Caller(req);
    if (verb == "ack") return Answer(svc.Acknowledge(id, who));
    if (verb == "mitigate") return Answer(svc.Mitigate(id, who));
    if (verb == "resolve") return Answer(svc.Resolve(id, who));
    if (verb == "close") return Answer(svc.Close(id, who));
    if (verb == "reopen") {
      auto reason = Field(req, "reason");
      if (!reason) return Response::FromError(reason.error());
      return Answer(svc.Reopen(id, *reason, who));
    }
    if (verb == "notes" || verb == "status") {
      auto text = Field(req, "text");
      if (!text) return Response::FromError(text.error());
      return Answer(verb == "notes" ? svc.AddNote(id, *text, who)
                                    : svc.PostStatusUpdate(id, *text, who));
    }
    if (verb == "severity") {
      auto sev = Field(req, "severity");
      auto reason = Field(req, "reason");
      if (!sev) return Response::FromError(sev.error());
      if (!reason) return Response::FromError(reason.error());
      auto parsed = ParseSeverity(*sev);
      if (!parsed) return Response::FromError(parsed.error());
      return Answer(svc.SetSeverity(id, *parsed, *reason, who));
    }
    if (verb == "roles") {
      auto role = Field(req, "role");
      if (!role) return Response::FromError(role.error());
      auto parsed = ParseRole(*role);
      if (!parsed) return Response::FromError(parsed.error());
      json body = ParseJsonBody(req.body);
      const std::string person = body.is_object() ? body.value("person", "") : "";
      return Answer(svc.AssignRole(id, *parsed, person, who));
    }
    return Response::ErrorJson(404, "not_found", "no incident action \"" + verb + "\"");
  });
}

}  // namespace fw::incident
