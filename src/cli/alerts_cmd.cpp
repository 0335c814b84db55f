// `firewatch alerts list|explain|silence|expire` and
// `firewatch silence add|list|expire`: the router's alerts on a running
// server, why one is (not) notified, and silences (the two silence commands
// are the same code under two names). Talks to the server's HTTP API
// (--server, default http://127.0.0.1:9400) with the token in
// FIREWATCH_TOKEN for writes.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw::cli {
namespace {

using nlohmann::json;

struct AlertsFlags {
  std::string server = "http://127.0.0.1:9400";
  std::string id;
  std::vector<std::string> ids;  // silence expire: several at once
  std::vector<std::string> matchers;
  std::vector<std::string> positional_matchers;  // silence add: given as arguments
  bool expired = false;                          // silence list: also expired silences
  std::string duration = "2h";
  std::string comment;
};

void List(const AlertsFlags& f, ExitStatus& status) {
  ApiClient c(f.server, "");
  auto body = c.Get("/api/v2/alerts");
  if (!body) return ReportError(body.error(), status);
  if (body->empty()) {
    std::cout << "no alerts\n";
    return;
  }
  std::printf("%-16s  %-10s  %-24s  %s\n", "FINGERPRINT", "STATE", "STARTED", "LABELS");
  for (const json& a : *body) {
    std::string labels;
    for (const auto& [k, v] : a["labels"].items()) {
      labels += (labels.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    std::printf("%-16s  %-10s  %-24s  {%s}\n", a["fingerprint"].get<std::string>().c_str(),
                a["status"]["state"].get<std::string>().c_str(),
                a["startsAt"].get<std::string>().c_str(), labels.c_str());
  }
}

void Explain(const AlertsFlags& f, ExitStatus& status) {
  ApiClient c(f.server, "");
  const std::string path = f.id.starts_with("{") ? "/api/v1/alerts/explain?alert=" + UrlEncode(f.id)
                                                 : "/api/v1/alerts/explain?fingerprint=" + f.id;
  auto body = c.Get(path);
  if (!body) return ReportError(body.error(), status);
  std::cout << (*body)["data"]["text"].get<std::string>();
}

void Silence(const AlertsFlags& f, ExitStatus& status) {
  auto d = ParseDuration(f.duration);
  if (!d) return ReportError(d.error().WithContext("--duration"), status);
  json matchers = json::array();
  for (const std::string& m : f.matchers) {
    const size_t op = m.find_first_of("=!");
    if (op == std::string::npos || op == 0) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "--matcher wants name=value, name!=value, name=~re or name!~re"),
                         status);
    }
    const bool negative = m[op] == '!';
    const size_t value_at = op + 1 + (m.size() > op + 1 && (m[op + 1] == '~' || m[op + 1] == '='));
    const bool regex = m.size() > op + 1 && m[op + 1] == '~';
    matchers.push_back({{"name", m.substr(0, op)},
                        {"value", m.substr(value_at)},
                        {"isRegex", regex},
                        {"isEqual", !negative}});
  }
  RealClock clock;
  const json req = {{"matchers", matchers},
                    {"startsAt", FormatRfc3339Millis(clock.Now())},
                    {"endsAt", FormatRfc3339Millis(clock.Now() + d->count())},
                    {"comment", f.comment}};
  ApiClient c(f.server, "");
  auto body = c.Post("/api/v2/silences", req);
  if (!body) return ReportError(body.error(), status);
  std::cout << (*body)["silenceID"].get<std::string>() << "\n";
}

void Expire(const AlertsFlags& f, ExitStatus& status) {
  ApiClient c(f.server, "");
  for (const std::string& id : f.ids) {
    auto body = c.Delete("/api/v2/silence/" + UrlEncode(id));
    if (!body) {
      ReportError(body.error().WithContext(id), status);
      continue;
    }
    std::cout << "expired " << id << "\n";
  }
}

std::string MatchersText(const json& matchers) {
  std::string out;
  for (const json& m : matchers) {
    const bool regex = m.value("isRegex", false), equal = m.value("isEqual", true);
    out += (out.empty() ? "" : ",") + m.value("name", "") +
           (equal ? (regex ? "=~" : "=") : (regex ? "!~" : "!=")) + m.value("value", "");
  }
  return out;
}

void ListSilences(const AlertsFlags& f, ExitStatus& status) {
  ApiClient c(f.server, "");
  auto body = c.Get("/api/v2/silences");
  if (!body) return ReportError(body.error(), status);
  if (!body->is_array()) {
    return ReportError(Error(ErrorCode::kInvalidArgument, "server answered with no silence list"),
                       status);
  }
  size_t shown = 0;
  for (const json& s : *body) {
    const std::string state = s["status"].value("state", "");
    if (state == "expired" && !f.expired) continue;
    if (shown++ == 0) {
      std::printf("%-12s  %-8s  %-24s  %-12s  %-30s  %s\n", "ID", "STATE", "ENDS", "CREATED BY",
                  "MATCHERS", "COMMENT");
    }
    std::printf("%-12s  %-8s  %-24s  %-12s  %-30s  %s\n", s.value("id", "").c_str(), state.c_str(),
                s.value("endsAt", "").c_str(), s.value("createdBy", "").c_str(),
                MatchersText(s["matchers"]).c_str(), s.value("comment", "").c_str());
  }
  if (shown == 0) std::cout << (f.expired ? "no silences\n" : "no active silences\n");
}

// The silence commands, shared by `alerts` and the top-level `silence`.
CLI::App* AddSilenceCommand(CLI::App& parent, const char* name, AlertsFlags& f,
                            ExitStatus& status) {
  auto* silence = parent.add_subcommand(name, "Silence matching alerts (prints its id)");
  silence->add_option("--matcher,-m", f.matchers, "name=value, name!=value, name=~re, name!~re");
  silence->add_option("matchers", f.positional_matchers, "Matchers, as with -m");
  silence->add_option("--duration", f.duration, "How long, e.g. 2h")->capture_default_str();
  silence->add_option("--comment", f.comment, "Why (required)")->required();
  silence->callback([&f, &status] {
    f.matchers.insert(f.matchers.begin(), f.positional_matchers.begin(),
                      f.positional_matchers.end());
    if (f.matchers.empty()) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "give at least one matcher, e.g. -m alertname=HighErrorRate"),
                         status);
    }
    Silence(f, status);
  });
  return silence;
}

CLI::App* AddExpireCommand(CLI::App& parent, AlertsFlags& f, ExitStatus& status) {
  auto* expire = parent.add_subcommand("expire", "End silences now");
  expire->add_option("id", f.ids, "Silence ids (from `silence list`)")->required();
  expire->callback([&f, &status] { Expire(f, status); });
  return expire;
}

}  // namespace

void RegisterAlerts(CLI::App& app, ExitStatus& status) {
  static AlertsFlags f;
  auto* alerts = app.add_subcommand("alerts", "Alerts, explanations and silences on a server");
  alerts->require_subcommand(1);
  alerts->add_option("--server", f.server, "firewatch server URL")->capture_default_str();
  auto* list = alerts->add_subcommand("list", "The router's alerts and whether they notify");
  list->callback([&status] { List(f, status); });
  auto* explain = alerts->add_subcommand(
      "explain", "Which route, group, silence or inhibition applies to an alert");
  explain->add_option("id", f.id, "Fingerprint (from `alerts list`) or labels as JSON")->required();
  explain->callback([&status] { Explain(f, status); });
  CLI::App* silence = AddSilenceCommand(*alerts, "silence", f, status);
  CLI::App* expire = AddExpireCommand(*alerts, f, status);
  // --server may follow the subcommand too.
  for (CLI::App* sub : {list, explain, silence, expire}) sub->fallthrough();
}

void RegisterSilence(CLI::App& app, ExitStatus& status) {
  static AlertsFlags f;
  auto* family = app.add_subcommand("silence", "Silences on a running server (as amtool's)");
  family->require_subcommand(1);
  family->add_option("--server", f.server, "firewatch server URL")->capture_default_str();
  CLI::App* add = AddSilenceCommand(*family, "add", f, status);
  auto* list = family->add_subcommand("list", "Active and pending silences");
  list->add_flag("--expired", f.expired, "Include expired silences");
  list->callback([&status] { ListSilences(f, status); });
  CLI::App* expire = AddExpireCommand(*family, f, status);
  for (CLI::App* sub : {add, list, expire}) sub->fallthrough();
  family->footer(
      "Examples:\n"
      "  firewatch silence add -m alertname=HighErrorRate -m service=shop --duration 1h \\\n"
      "      --comment \"deploying the fix\"\n"
      "  firewatch silence list\n"
      "  firewatch silence expire silence-1\n"
      "Writes need FIREWATCH_TOKEN (a responder or admin token). See docs/alerting.md.");
}

}  // namespace fw::cli
