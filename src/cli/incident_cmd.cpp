// `firewatch incident ...`: incidents on a running server (--server, or
// FIREWATCH_SERVER) or in a local database file (--db): list, show with the
// timeline, declare, and the lifecycle steps.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "incident/service.h"
#include "incident/sqlite_store.h"
#include "report/api_json.h"

namespace fw::cli {
namespace {

namespace inc = fw::incident;

struct IncidentFlags {
  std::string db = "data/incidents.db";
  std::string actor;
  std::string id, text, severity, reason, state, service, role, person;
  std::string done_item, undo_item, owner;  // action-items
  std::string server, token;                // a running server instead of --db
  std::string step;                         // approve / reject: which waiting step
  std::vector<std::string> services;
  size_t limit = 50;
  bool open_only = false;
};

std::string DefaultActor() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "cli";
}

// Opens the store; only `open` may create a database, so that a mistyped
// --db does not silently show an empty, new one.
Result<std::unique_ptr<inc::SqliteStore>> OpenStore(const std::string& path, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!create) {
      return Fail(ErrorCode::kNotFound, "no incident database at " + path +
                                            " (give --db, or declare one with "
                                            "`firewatch incident open TITLE`)");
    }
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }
  return inc::SqliteStore::Open(path);
}

std::string Time(std::optional<Timestamp> t) { return t ? FormatRfc3339Millis(*t) : "-"; }

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// Prints rows as left-aligned columns; the last column is not padded.

void PrintList(const std::vector<inc::Incident>& incidents) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "SEVERITY", "STATE", "CREATED", "SERVICES", "TITLE"}};
  for (const inc::Incident& i : incidents) {
    rows.push_back({i.id, std::string(inc::SeverityName(i.severity)),
                    std::string(inc::StateName(i.state)), Time(i.created_at),
                    i.services.empty() ? "-" : Join(i.services, ","), i.title});
  }
  if (incidents.empty()) {
    std::cout << "no incidents\n";
  } else {
    PrintTable(rows, std::cout);
  }
}

Result<inc::IncidentFilter> FilterOf(const IncidentFlags& f) {
  inc::IncidentFilter filter;
  if (!f.state.empty()) {
    auto s = inc::ParseState(f.state);
    if (!s) return Fail(s.error().WithContext("--state"));
    filter.state = *s;
  }
  if (!f.severity.empty()) {
    auto s = inc::ParseSeverity(f.severity);
    if (!s) return Fail(s.error().WithContext("--severity"));
    filter.severity = *s;
  }
  filter.service = f.service;
  filter.open_only = f.open_only;
  filter.limit = f.limit;
  return filter;
}

Result<void> List(const IncidentFlags& f, const inc::IncidentService& service) {
  auto filter = FilterOf(f);
  if (!filter) return Fail(filter.error());
  auto incidents = service.List(*filter);
  if (!incidents) return Fail(incidents.error());
  PrintList(*incidents);
  return {};
}

void PrintTimeline(const std::vector<inc::TimelineEntry>& timeline) {
  std::vector<std::vector<std::string>> rows = {{"  TIME", "ACTOR", "SOURCE", "KIND", "TEXT"}};
  for (const inc::TimelineEntry& e : timeline) {
    rows.push_back(
        {"  " + Time(e.time), e.actor, e.source, std::string(inc::EntryKindName(e.kind)), e.text});
  }
  PrintTable(rows, std::cout);
}

void PrintShow(const inc::Incident* i, const std::vector<inc::TimelineEntry>& timeline);

Result<void> Show(const std::string& id, const inc::IncidentService& service, bool timeline_only) {
  auto i = service.Get(id);
  if (!i) return Fail(i.error());
  auto timeline = service.Timeline(id);
  if (!timeline) return Fail(timeline.error());
  PrintShow(timeline_only ? nullptr : &*i, *timeline);
  return {};
}

// The incident's fields, its alerts and its timeline; only the timeline
// when `i` is null.
void PrintShow(const inc::Incident* i, const std::vector<inc::TimelineEntry>& timeline) {
  if (!i) return PrintTimeline(timeline);
  std::vector<std::string> roles;
  for (const auto& [role, person] : i->roles)
    roles.push_back(std::string(inc::RoleName(role)) + "=" + person);
  PrintTable({{"id", i->id},
              {"title", i->title},
              {"state", std::string(inc::StateName(i->state))},
              {"severity", std::string(inc::SeverityName(i->severity))},
              {"services", i->services.empty() ? "-" : Join(i->services, ", ")},
              {"group key", i->group_key},
              {"roles", roles.empty() ? "-" : Join(roles, ", ")},
              {"created", Time(i->created_at)},
              {"acknowledged", Time(i->acknowledged_at)},
              {"mitigated", Time(i->mitigated_at)},
              {"resolved", Time(i->resolved_at)},
              {"closed", Time(i->closed_at)}},
             std::cout);
  if (!i->alerts.empty()) {
    std::cout << "\nalerts:\n";
    for (const inc::LinkedAlert& a : i->alerts) {
      std::cout << "  " << a.fingerprint << "  " << (a.firing ? "firing  " : "resolved") << "  "
                << a.labels.ToString() << "\n";
    }
  }
  std::cout << "\ntimeline:\n";
  PrintTimeline(timeline);
}

// A one-line confirmation of a change.
Result<void> Done(const Result<inc::Incident>& r) {
  if (!r) return Fail(r.error());
  std::cout << r->id << " " << inc::StateName(r->state) << " " << inc::SeverityName(r->severity)
            << " " << r->title << "\n";
  return {};
}

// `incident action-items ID [--add TEXT [--owner O]] [--done AI-n] [--undo AI-n]`:
// changes first, then the list.
Result<void> ActionItems(const IncidentFlags& f, inc::IncidentService& service,
                         const inc::Who& who) {
  if (!f.text.empty()) {
    inc::ActionItem item;
    item.text = f.text;
    item.owner = f.owner;
    auto added = service.AddActionItems(f.id, {item}, who);
    if (!added) return Fail(added.error());
  }
  for (const auto& [aid, done] : {std::pair{f.done_item, true}, {f.undo_item, false}}) {
    if (aid.empty()) continue;
    auto changed = service.SetActionItemDone(f.id, aid, done, who);
    if (!changed) return Fail(changed.error());
  }
  auto items = service.ActionItems(f.id);
  if (!items) return Fail(items.error());
  if (items->empty()) {
    std::cout << "no action items\n";
    return {};
  }
  for (const inc::ActionItem& a : *items) {
    std::cout << (a.done ? "[x] " : "[ ] ") << a.id << "  " << a.text
              << (a.owner.empty() ? "" : "  (owner: " + a.owner + ")") << "\n";
  }
  return {};
}

// The incident in a server's answer ({"data": {...}}).
Result<inc::Incident> IncidentOf(const Result<nlohmann::json>& answer) {
  if (!answer) return Fail(answer.error());
  auto fetched = report::IncidentFromApiJson(*answer);
  if (!fetched) return Fail(fetched.error());
  return fetched->incident;
}

Result<void> RemoteList(const IncidentFlags& f, ApiClient& api) {
  auto filter = FilterOf(f);  // validates --state and --severity
  if (!filter) return Fail(filter.error());
  std::string path = "/api/v1/incidents";
  auto param = [&path](const std::string& name, const std::string& value) {
    path += (path.find('?') == std::string::npos ? "?" : "&") + name + "=" + UrlEncode(value);
  };
  if (!f.state.empty()) param("state", f.state);
  if (!f.service.empty()) param("service", f.service);
  if (f.open_only) param("open", "true");
  auto answer = api.Get(path);
  if (!answer) return Fail(answer.error());
  std::vector<inc::Incident> incidents;
  for (const nlohmann::json& j : (*answer)["incidents"]) {
    auto i = IncidentOf(j);
    if (!i) return Fail(i.error());
    if (filter->severity && i->severity != *filter->severity) continue;
    if (f.limit && incidents.size() >= f.limit) break;
    incidents.push_back(std::move(*i));
  }
  PrintList(incidents);
  return {};
}

// What the responder does for an incident, and the approvals it waits for.
void PrintResponse(const nlohmann::json& r) {
  std::printf("%s: %s", r.value("incident", "").c_str(), r.value("phase", "").c_str());
  if (!r.value("runbook", "").empty()) std::printf(", runbook %s", r.value("runbook", "").c_str());
  std::printf("\n");
  if (r.contains("hypotheses")) {
    for (const auto& h : r["hypotheses"]) {
      std::printf("  hypothesis %-22s %3.0f%%%s\n", h.value("category", "").c_str(),
                  h.value("confidence", 0.0) * 100,
                  h.contains("suspect_version")
                      ? (" (suspect " + h.value("suspect_version", "") + ")").c_str()
                      : "");
    }
  }
  if (r.contains("run") && r["run"].contains("steps")) {
    for (const auto& s : r["run"]["steps"]) {
      std::printf("  step %-10s %s\n", s.value("status", "").c_str(), s.value("name", "").c_str());
    }
  }
  for (const auto& w : r.value("waiting_for", nlohmann::json::array())) {
    std::printf("  waits for approval: %s (since %s)\n", w.value("step", "").c_str(),
                w.value("since", "").c_str());
  }
}

// The responder lives in the server: approvals and its state go there.
Result<void> RunResponse(const std::string& verb, const IncidentFlags& f, ApiClient& api) {
  const std::string path = "/api/v1/incidents/" + f.id;
  if (verb == "response") {
    auto answer = api.Get(path + "/response");
    if (!answer) return Fail(answer.error());
    PrintResponse((*answer)["data"]);
    return {};
  }
  nlohmann::json body = nlohmann::json::object();
  if (!f.step.empty()) body["step"] = f.step;
  auto answer = api.Post(path + "/" + verb, body);
  if (!answer) return Fail(answer.error());
  const auto& d = (*answer)["data"];
  std::printf("%s \"%s\" of %s\n", verb == "approve" ? "approved" : "rejected",
              d.value("step", "").c_str(), f.id.c_str());
  if (d.contains("response")) PrintResponse(d["response"]);
  return {};
}

// The same commands through a running server's API (--server).
Result<void> RunRemote(const std::string& verb, const IncidentFlags& f) {
  ApiClient api(f.server, f.token);
  const std::string path = "/api/v1/incidents/" + f.id;
  if (verb == "approve" || verb == "reject" || verb == "response") {
    return RunResponse(verb, f, api);
  }
  if (verb == "list") return RemoteList(f, api);
  if (verb == "show" || verb == "timeline") {
    auto answer = api.Get(path);
    if (!answer) return Fail(answer.error());
    auto fetched = report::IncidentFromApiJson(*answer);
    if (!fetched) return Fail(fetched.error());
    PrintShow(verb == "timeline" ? nullptr : &fetched->incident, fetched->timeline);
    return {};
  }
  if (verb == "action-items") {
    return Fail(ErrorCode::kInvalidArgument,
                "action-items works on the database file (--db); over the API use "
                "GET/POST " +
                    path + "/action_items");
  }
  using nlohmann::json;
  if (verb == "ack" || verb == "mitigate" || verb == "resolve" || verb == "close") {
    return Done(IncidentOf(api.Post(path + "/" + verb, json::object())));
  }
  if (verb == "reopen") return Done(IncidentOf(api.Post(path + "/reopen", {{"reason", f.reason}})));
  if (verb == "note") return Done(IncidentOf(api.Post(path + "/notes", {{"text", f.text}})));
  if (verb == "status") return Done(IncidentOf(api.Post(path + "/status", {{"text", f.text}})));
  if (verb == "role") {
    return Done(IncidentOf(api.Post(path + "/roles", {{"role", f.role}, {"person", f.person}})));
  }
  if (verb == "severity") {
    return Done(
        IncidentOf(api.Post(path + "/severity", {{"severity", f.severity}, {"reason", f.reason}})));
  }
  return Done(IncidentOf(
      api.Post("/api/v1/incidents", {{"title", f.text},
                                     {"services", f.services},
                                     {"severity", f.severity.empty() ? "P3" : f.severity}})));
}

Result<void> Run(const std::string& verb, const IncidentFlags& f) {
  if (!f.server.empty()) return RunRemote(verb, f);
  if (verb == "approve" || verb == "reject" || verb == "response") {
    return Fail(ErrorCode::kInvalidArgument,
                verb +
                    " talks to the running server, where the responder runs: give --server "
                    "http://127.0.0.1:9400 (or set FIREWATCH_SERVER)");
  }
  auto store = OpenStore(f.db, verb == "open");
  if (!store) return Fail(store.error());
  RealClock clock;
  inc::IncidentService service(**store, clock);
  const inc::Who who{f.actor.empty() ? DefaultActor() : f.actor, "cli"};
  if (verb == "list") return List(f, service);
  if (verb == "show" || verb == "timeline") return Show(f.id, service, verb == "timeline");
  if (verb == "ack") return Done(service.Acknowledge(f.id, who));
  if (verb == "mitigate") return Done(service.Mitigate(f.id, who));
  if (verb == "resolve") return Done(service.Resolve(f.id, who));
  if (verb == "close") return Done(service.Close(f.id, who));
  if (verb == "reopen") return Done(service.Reopen(f.id, f.reason, who));
  if (verb == "note") return Done(service.AddNote(f.id, f.text, who));
  if (verb == "status") return Done(service.PostStatusUpdate(f.id, f.text, who));
  if (verb == "action-items") return ActionItems(f, service, who);
  if (verb == "role") {
    auto role = inc::ParseRole(f.role);
    if (!role) return Fail(role.error());
    return Done(service.AssignRole(f.id, *role, f.person, who));
  }
  auto severity = inc::ParseSeverity(f.severity.empty() ? "P3" : f.severity);
  if (!severity) return Fail(severity.error());
  if (verb == "severity") return Done(service.SetSeverity(f.id, *severity, f.reason, who));
  return Done(service.Declare({f.text, f.services, *severity, ""}, who));  // open
}

CLI::App* Verb(CLI::App* parent, const std::string& name, const std::string& help, IncidentFlags& f,
               ExitStatus& status) {
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--db", f.db, "The incident database file")->capture_default_str();
  cmd->add_option("--server", f.server,
                  "Talk to this running server instead of the database file, e.g. "
                  "http://127.0.0.1:9400")
      ->envname("FIREWATCH_SERVER");
  cmd->add_option("--token", f.token, "Bearer token for --server (default: FIREWATCH_TOKEN)");
  cmd->add_option("--actor", f.actor, "Who is acting (default: $USER)");
  cmd->callback([name, &f, &status] {
    if (auto r = Run(name, f); !r) {
      ReportError(r.error(), status);
      // This command family promises 1 for "no such incident or database",
      // so scripts can tell it from bad input (2).
      if (r.error().code() == ErrorCode::kNotFound) status.code = 1;
    }
  });
  return cmd;
}

}  // namespace

void RegisterIncident(CLI::App& app, ExitStatus& status) {
  auto* cmd = app.add_subcommand("incident", "Incidents: list, show, acknowledge, resolve, ...");
  cmd->require_subcommand(1);
  static IncidentFlags f;
  auto* list = Verb(cmd, "list", "List incidents, newest first", f, status);
  list->add_option("--state", f.state, "Only incidents in this state (triggered, ...)");
  list->add_flag("--open", f.open_only, "Only open incidents (not resolved or closed)");
  list->add_option("--service", f.service, "Only incidents touching this service");
  list->add_option("--severity", f.severity, "Only incidents of this severity (P1..P4)");
  list->add_option("--limit", f.limit, "At most this many")->capture_default_str();
  Verb(cmd, "show", "Show an incident and its timeline", f, status)
      ->add_option("id", f.id, "Incident id, e.g. INC-42")
      ->required();
  Verb(cmd, "timeline", "Show an incident's timeline only", f, status)
      ->add_option("id", f.id, "Incident id, e.g. INC-42")
      ->required();
  for (const auto& [verb, help] : {std::pair{"ack", "Acknowledge an incident"},
                                   {"mitigate", "Mark an incident mitigated"},
                                   {"resolve", "Resolve an incident"},
                                   {"close", "Close a resolved incident"}}) {
    Verb(cmd, verb, help, f, status)->add_option("id", f.id, "Incident id")->required();
  }
  auto* reopen = Verb(cmd, "reopen", "Reopen a resolved or closed incident", f, status);
  reopen->add_option("id", f.id, "Incident id")->required();
  reopen->add_option("--reason", f.reason, "Why it is reopened");
  for (const auto& [verb, help] : {std::pair{"note", "Add a note to the timeline"},
                                   {"status", "Post a status update for stakeholders"}}) {
    auto* c = Verb(cmd, verb, help, f, status);
    c->add_option("id", f.id, "Incident id")->required();
    c->add_option("text", f.text, "The text")->required();
  }
  auto* sev = Verb(cmd, "severity", "Change an incident's severity (needs --reason)", f, status);
  sev->add_option("id", f.id, "Incident id")->required();
  sev->add_option("severity", f.severity, "P1 (worst) to P4")->required();
  sev->add_option("--reason", f.reason, "Why the severity changes")->required();
  auto* role = Verb(cmd, "role", "Assign a role (commander, scribe, communications)", f, status);
  role->add_option("id", f.id, "Incident id")->required();
  role->add_option("role", f.role, "commander, scribe or communications")->required();
  role->add_option("person", f.person, "Who takes it (\"\" clears the role)")->required();
  auto* items = Verb(cmd, "action-items",
                     "List an incident's action items; add one or mark one done", f, status);
  items->add_option("id", f.id, "Incident id")->required();
  items->add_option("--add", f.text, "Add an action item with this text");
  items->add_option("--owner", f.owner, "Owner of the added item (role or person)");
  items->add_option("--done", f.done_item, "Mark this item done (e.g. AI-2)");
  items->add_option("--undo", f.undo_item, "Mark this item not done");
  for (const auto& [verb, help] :
       {std::pair{"approve", "Approve what the responder waits for (--server; a responder token)"},
        {"reject", "Reject what the responder waits for: it hands the incident to humans"}}) {
    auto* c = Verb(cmd, verb, help, f, status);
    c->add_option("id", f.id, "Incident id")->required();
    c->add_option("--step", f.step,
                  "The waiting step to answer; needed only when several wait (see `incident "
                  "response`)");
  }
  Verb(cmd, "response",
       "What the responder does for an incident: analysis, runbook, steps, "
       "approvals waited for (--server)",
       f, status)
      ->add_option("id", f.id, "Incident id")
      ->required();
  auto* open = Verb(cmd, "open", "Declare an incident (creates the database if needed)", f, status);
  open->add_option("title", f.text, "What is wrong")->required();
  open->add_option("--service", f.services, "An affected service (repeatable)");
  open->add_option("--severity", f.severity, "P1 (worst) to P4; default P3");
}

}  // namespace fw::cli
