// `firewatch oncall who|shifts|policies`: who is on call, from the schedules
// of a config file (--config) or of a running server (--server, or
// FIREWATCH_SERVER). Both print the same, from incident/oncall_api.h's JSON.
// `firewatch oncall override|swap|overrides` change a running server's
// schedules (they are kept in its data directory, not in the config file).

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/table.h"
#include "incident/oncall_api.h"

namespace fw::cli {
namespace {

using nlohmann::json;

struct OnCallFlags {
  std::string config, server, token;
  std::string at, from, to, schedule;
  bool json_out = false;
  std::string user, start, end, reason, remove;  // override, swap
};

constexpr Timestamp kWeek = 7LL * 24 * 3'600'000;

// A --at/--from/--to value; `fallback` when not given.
Result<Timestamp> TimeFlag(const std::string& name, const std::string& text, Timestamp fallback) {
  if (text.empty() || text == "now") return fallback;
  auto t = ParseTimestamp(text);
  if (!t) return Fail(ErrorCode::kInvalidArgument, "--" + name + ": " + t.error().message());
  return t;
}

// The answer's data: from the config file, or from the server's API.
Result<json> Fetch(const OnCallFlags& f, const std::string& what) {
  const Timestamp now = RealClock().Now();
  if (f.config.empty() && f.server.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "give --config firewatch.yml (read its schedules) or --server URL (ask a "
                "running server; also FIREWATCH_SERVER)");
  }
  if (!f.config.empty()) {
    auto cfg = LoadConfigFile(f.config);
    if (!cfg) return Fail(cfg.error());
    const incident::OnCallConfig& oncall = cfg->pipeline.alerting.oncall;
    if (what == "who") {
      auto at = TimeFlag("at", f.at, now);
      if (!at) return Fail(at.error());
      return incident::OnCallJson(oncall, *at, f.schedule);
    }
    if (what == "policies") return incident::PoliciesJson(oncall);
    auto from = TimeFlag("from", f.from, now);
    if (!from) return Fail(from.error());
    auto to = TimeFlag("to", f.to, *from + kWeek);
    if (!to) return Fail(to.error());
    return incident::ShiftsJson(oncall, f.schedule, *from, *to);
  }
  std::string path;
  auto param = [&path](const char* name, const std::string& value) {
    if (value.empty()) return;
    path += (path.find('?') == std::string::npos ? "?" : "&") + std::string(name) + "=" +
            UrlEncode(value);
  };
  if (what == "who") {
    path = "/api/v1/oncall";
    param("at", f.at == "now" ? "" : f.at);
    param("schedule", f.schedule);
  } else if (what == "policies") {
    path = "/api/v1/escalation_policies";
  } else {
    path = "/api/v1/oncall/shifts";
    param("schedule", f.schedule);
    param("from", f.from == "now" ? "" : f.from);
    param("to", f.to);
  }
  auto answer = ApiClient(f.server, f.token).Get(path);
  if (!answer) return Fail(answer.error());
  if (!answer->contains("data")) return Fail(ErrorCode::kIo, "the server's answer has no data");
  return (*answer)["data"];
}

std::string Text(const json& v) { return v.is_string() ? v.get<std::string>() : "-"; }

void Print(const std::string& what, const json& data) {
  std::vector<std::vector<std::string>> rows;
  if (what == "who") {
    std::cout << "on call at " << Text(data["at"]) << "\n";
    rows.push_back({"SCHEDULE", "ON CALL", "SINCE", "UNTIL", "ZONE"});
    for (const json& s : data["schedules"]) {
      rows.push_back({Text(s["name"]), s["on_call"].is_string() ? Text(s["on_call"]) : "(nobody)",
                      Text(s["since_local"]), Text(s["until_local"]), Text(s["time_zone"])});
    }
  } else if (what == "policies") {
    rows.push_back({"POLICY", "LEVEL", "TARGETS", "THEN WAIT", "REPEAT"});
    for (const json& p : data["policies"]) {
      int level = 0;
      for (const json& l : p["levels"]) {
        std::string targets;
        for (const json& t : l["targets"]) targets += (targets.empty() ? "" : ", ") + Text(t);
        rows.push_back(
            {Text(p["name"]), std::to_string(++level), targets,
             FormatDuration(Millis(static_cast<int64_t>(l["delay_seconds"].get<double>() * 1000))),
             std::to_string(p["repeat"].get<int>())});
      }
    }
  } else {
    std::cout << Text(data["schedule"]) << " (" << Text(data["time_zone"]) << ") from "
              << Text(data["from"]) << " to " << Text(data["to"]) << "\n";
    rows.push_back({"USER", "START", "END"});
    for (const json& s : data["shifts"]) {
      rows.push_back({Text(s["user"]), Text(s["start_local"]), Text(s["end_local"])});
    }
  }
  PrintTable(rows, std::cout);
}

// override / swap / overrides: a change on the server, printed as the
// overrides it made (or all of them).
Result<json> Change(const OnCallFlags& f, const std::string& what) {
  if (f.server.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "give --server URL (or FIREWATCH_SERVER): overrides live on the server");
  }
  ApiClient api(f.server, f.token);
  Result<json> answer;
  if (what == "override" && !f.remove.empty()) {
    answer = api.Delete("/api/v1/oncall/overrides/" + UrlEncode(f.remove));
    if (answer) answer = api.Get("/api/v1/oncall/overrides");
  } else if (what == "override") {
    answer = api.Post("/api/v1/oncall/overrides", {{"schedule", f.schedule},
                                                   {"user", f.user},
                                                   {"start", f.start},
                                                   {"end", f.end},
                                                   {"reason", f.reason}});
    if (answer) (*answer)["data"] = json{{"overrides", json::array({(*answer)["data"]})}};
  } else if (what == "swap") {
    answer = api.Post("/api/v1/oncall/swaps", {{"schedule", f.schedule},
                                               {"from", f.from},
                                               {"to", f.user},
                                               {"start", f.start},
                                               {"end", f.end}});
  } else {
    answer = api.Get("/api/v1/oncall/overrides");
  }
  if (!answer) return Fail(answer.error());
  return (*answer)["data"];
}

void PrintOverrides(const json& data) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "SCHEDULE", "ON CALL", "START", "END", "BY", "REASON"}};
  for (const json& o : data["overrides"]) {
    rows.push_back({Text(o["id"]), Text(o["schedule"]), Text(o["user"]), Text(o["start"]),
                    Text(o["end"]), Text(o["by"]), Text(o["reason"])});
  }
  PrintTable(rows, std::cout);
}

bool IsChange(const std::string& what) {
  return what == "override" || what == "swap" || what == "overrides";
}

// A verb: reads (who, shifts, policies) from --config or --server, changes
// (override, swap, overrides) on --server only.
CLI::App* Verb(CLI::App* parent, const std::string& what, const std::string& help, OnCallFlags& f,
               ExitStatus& status) {
  auto* cmd = parent->add_subcommand(what, help);
  if (!IsChange(what)) {
    cmd->add_option("--config", f.config, "Read the schedules from this firewatch.yml");
  }
  cmd->add_option("--server", f.server, "Ask this running server, e.g. http://127.0.0.1:9400")
      ->envname("FIREWATCH_SERVER");
  cmd->add_option("--token", f.token, "Bearer token for --server (default: FIREWATCH_TOKEN)");
  cmd->add_flag("--json", f.json_out, "Print the answer's JSON");
  cmd->callback([what, &f, &status] {
    auto data = IsChange(what) ? Change(f, what) : Fetch(f, what);
    if (!data) return ReportError(data.error(), status);
    if (f.json_out) {
      std::cout << data->dump(2) << "\n";
    } else if (IsChange(what)) {
      PrintOverrides(*data);
    } else {
      Print(what, *data);
    }
  });
  return cmd;
}

}  // namespace

void RegisterOnCall(CLI::App& app, ExitStatus& status) {
  static OnCallFlags f;
  auto* cmd = app.add_subcommand(
      "oncall", "On-call schedules: who is on call, shifts, escalation, overrides and swaps");
  cmd->require_subcommand(1);
  auto* who = Verb(cmd, "who", "Who is on call now (or --at T), per schedule", f, status);
  who->add_option("--at", f.at, "An instant: RFC 3339 (2026-12-24T18:00:00Z) or Unix seconds");
  who->add_option("--schedule", f.schedule, "Only this schedule");
  auto* shifts =
      Verb(cmd, "shifts", "The shifts of a schedule over a window (default: a week)", f, status);
  shifts->add_option("--schedule", f.schedule, "The schedule")->required();
  shifts->add_option("--from", f.from, "Window start (default: now)");
  shifts->add_option("--to", f.to, "Window end (default: a week after --from; at most 92 days)");
  Verb(cmd, "policies", "The escalation policies: levels, targets, delays", f, status);
  auto* ovr = Verb(cmd, "override", "Put someone on call over a window (on a server)", f, status);
  ovr->add_option("--schedule", f.schedule, "The schedule");
  ovr->add_option("--user", f.user, "Who is on call instead");
  ovr->add_option("--start", f.start, "Window start, RFC 3339");
  ovr->add_option("--end", f.end, "Window end, RFC 3339");
  ovr->add_option("--reason", f.reason, "Why (kept with the override)");
  ovr->add_option("--remove", f.remove, "Remove this override (ovr-N) instead");
  auto* swap =
      Verb(cmd, "swap", "Hand someone's shifts in a window to another (on a server)", f, status);
  swap->add_option("--schedule", f.schedule, "The schedule")->required();
  swap->add_option("--from", f.from, "Whose shifts")->required();
  swap->add_option("--to", f.user, "Who covers them")->required();
  swap->add_option("--start", f.start, "Window start, RFC 3339")->required();
  swap->add_option("--end", f.end, "Window end, RFC 3339")->required();
  Verb(cmd, "overrides", "The overrides made on a server", f, status);
}

}  // namespace fw::cli
