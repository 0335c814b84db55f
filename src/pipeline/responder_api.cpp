// The responder's HTTP API:
//   GET  /api/v1/incidents/:id/response   the response as it stands: phase,
//        analysis summary, runbook, its steps, the approvals it waits for
//   POST /api/v1/incidents/:id/approve    {"step": "..."} optional: the gate
//   POST /api/v1/incidents/:id/reject     to answer when several wait
//   GET  /api/v1/runbooks                 the installed runbooks
//   POST /api/v1/runbooks/:name/run       {"incident": "INC-7", "dry_run": false}
// Approvals need a token of response.approval_role (default responder).

#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/pipeline_impl.h"
#include "report/records_json.h"

namespace fw::pipeline {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

Response Ok(const json& data) {
  return Response::Json(200, json{{"status", "success"}, {"data", data}}.dump(
                                 -1, ' ', false, json::error_handler_t::replace));
}

json CaseJson(const response::ResponseCase& c, const std::vector<response::WaitingGate>& gates) {
  json out = {{"incident", c.incident_id},
              {"phase", response::CasePhaseName(c.phase)},
              {"attempts", c.attempts},
              {"runbook", c.runbook}};
  if (c.analysis) {
    // The top three, with the evidence each cites (and the statement that
    // shows it), so a responder sees why before approving.
    json top = json::array(), evidence = json::array();
    std::set<std::string> cited;
    for (size_t i = 0; i < c.analysis->hypotheses.size() && i < 3; ++i) {
      const rca::Hypothesis& h = c.analysis->hypotheses[i];
      json item = {{"category", h.category},
                   {"confidence", h.confidence},
                   {"explanation", h.explanation},
                   {"evidence", h.evidence}};
      if (h.suspect_change) item["suspect_version"] = h.suspect_change->version;
      if (!h.facts.empty()) item["facts"] = h.facts;
      if (!h.ruled_out_by.empty()) item["ruled_out_by"] = h.ruled_out_by;
      if (!h.checks.empty()) item["checks"] = h.checks;
      top.push_back(std::move(item));
      for (const std::string& id : h.evidence) {
        const rca::Evidence* e = c.analysis->FindEvidence(id);
        if (!e || !cited.insert(id).second) continue;
        evidence.push_back({{"id", e->id},
                            {"title", e->title},
                            {"detail", e->detail},
                            {"query", e->query},
                            {"language", e->language}});
      }
    }
    out["hypotheses"] = std::move(top);
    out["evidence"] = std::move(evidence);
    out["gaps"] = c.analysis->gaps;
    out["decisive"] = c.analysis->decisive;
    if (!c.analysis->decisive) out["undecided"] = c.analysis->undecided;
  }
  if (c.execution) out["run"] = report::RunRecordToJson(c.execution->record());
  json runs = json::array();
  for (const runbook::RunRecord& r : c.runs) runs.push_back(report::RunRecordToJson(r));
  out["finished_runs"] = std::move(runs);
  json waiting = json::array();
  for (const response::WaitingGate& g : gates) {
    waiting.push_back({{"step", g.gate}, {"since", FormatRfc3339Millis(g.since)}});
  }
  out["waiting_for"] = std::move(waiting);
  return out;
}

Response Decide(Pipeline::Impl& p, const Request& req, bool approve) {
  const std::string id = req.path_params.at("id");
  if (!req.role || *req.role < p.settings.response.approver_role) {
    return Response::ErrorJson(
        403, "forbidden",
        "approvals need a " + std::string(server::RoleName(p.settings.response.approver_role)) +
            " token");
  }
  std::string step;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || (body.contains("step") && !body["step"].is_string())) {
      return Response::ErrorJson(400, "invalid_argument",
                                 "expected {\"step\": \"name\"} or an empty body");
    }
    if (body.contains("step")) step = body["step"].get<std::string>();
  }
  std::lock_guard lock(p.response_mu);
  auto gate = p.approvals->Decide(id, step, approve);
  if (!gate) return Response::FromError(gate.error());
  const std::string who = req.principal.empty() ? "api" : req.principal;
  (void)p.incidents->AddNote(
      id, std::string(approve ? "approved" : "rejected") + " \"" + *gate + "\" (" + who + ")",
      {who, "api"});
  // Act on the answer now rather than at the next poll.
  p.RespondStep(p.clock.Now());
  const response::ResponseCase* c = p.responder->Find(id);
  json data = {{"incident", id}, {"step", *gate}, {"approved", approve}};
  if (c) data["response"] = CaseJson(*c, p.approvals->Waiting(id));
  return Ok(data);
}

json RunbookJson(const runbook::Runbook& rb) {
  json steps = json::array();
  for (const runbook::Step& s : rb.steps) {
    steps.push_back(
        {{"name", s.name}, {"kind", runbook::StepKindName(s.kind)}, {"phase", s.phase}});
  }
  return {{"name", rb.name},
          {"description", rb.description},
          {"file", rb.file},
          {"categories", rb.categories},
          {"requires_approval", rb.requires_approval},
          {"steps", steps}};
}

Response RunRunbook(Pipeline::Impl& p, const Request& req) {
  const std::string name = req.path_params.at("name");
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (!body.is_object() || (body.contains("incident") && !body["incident"].is_string()) ||
      (body.contains("dry_run") && !body["dry_run"].is_boolean())) {
    return Response::ErrorJson(400, "invalid_argument",
                               "expected {\"incident\": \"INC-7\", \"dry_run\": false}");
  }
  const std::string incident = body.value("incident", "");
  const bool dry_run = body.value("dry_run", false);
  std::lock_guard lock(p.response_mu);
  const runbook::Runbook* rb = p.runbooks.Find(name);
  if (!rb) return Response::ErrorJson(404, "not_found", "no runbook named \"" + name + "\"");
  if (dry_run) {
    // Says what would run, with the incident's variables when one is named.
    runbook::ExecutionOptions eo;
    eo.dry_run = true;
    eo.vars = p.settings.response.vars;
    if (!incident.empty()) {
      auto inc = p.incidents->Get(incident);
      if (!inc) return Response::FromError(inc.error());
      eo.vars["incident.id"] = inc->id;
      if (!inc->services.empty()) eo.vars["labels.service"] = inc->services[0];
    }
    runbook::Execution run(*rb, incident, p.Actions(), p.storage->queryable(), nullptr, nullptr,
                           std::move(eo));
    for (int i = 0; i < 1000 && !run.finished(); ++i) run.Advance(p.clock.Now());
    return Ok(report::RunRecordToJson(run.record()));
  }
  if (incident.empty()) {
    return Response::ErrorJson(400, "invalid_argument",
                               "name the incident to run on: {\"incident\": \"INC-7\"}");
  }
  const std::string who = req.principal.empty() ? "api" : req.principal;
  if (auto ok = p.responder->StartRunbook(incident, name, who, p.clock.Now()); !ok) {
    return Response::FromError(ok.error());
  }
  const response::ResponseCase* c = p.responder->Find(incident);
  return Ok(c ? CaseJson(*c, p.approvals->Waiting(incident)) : json::object());
}

}  // namespace

void RegisterResponderApi(server::HttpServer& http, Pipeline::Impl& p) {
  using server::Role;
  http.Handle("GET", "/api/v1/incidents/:id/response", Role::kViewer, [&p](const Request& req) {
    const std::string id = req.path_params.at("id");
    std::lock_guard lock(p.response_mu);
    const response::ResponseCase* c = p.responder->Find(id);
    if (!c) {
      if (auto inc = p.incidents->Get(id); !inc) return Response::FromError(inc.error());
      return Ok({{"incident", id}, {"phase", "none"}, {"waiting_for", json::array()}});
    }
    return Ok(CaseJson(*c, p.approvals->Waiting(id)));
  });
  http.Handle("POST", "/api/v1/incidents/:id/approve", Role::kResponder,
              [&p](const Request& req) { return Decide(p, req, true); });
  http.Handle("POST", "/api/v1/incidents/:id/reject", Role::kResponder,
              [&p](const Request& req) { return Decide(p, req, false); });
  http.Handle("GET", "/api/v1/runbooks", Role::kViewer, [&p](const Request&) {
    std::lock_guard lock(p.response_mu);
    json list = json::array();
    for (const runbook::Runbook& rb : p.runbooks.runbooks) list.push_back(RunbookJson(rb));
    return Ok(list);
  });
  http.Handle("POST", "/api/v1/runbooks/:name/run", Role::kResponder,
              [&p](const Request& req) { return RunRunbook(p, req); });
}

}  // namespace fw::pipeline
