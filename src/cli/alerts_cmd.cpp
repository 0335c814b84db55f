// `firewatch alerts list|explain|silence|expire`: the router's alerts on a
// running server, why one is (not) notified, and silences. Talks to the
// server's HTTP API (--server, default http://127.0.0.1:9400) with the token
// in FIREWATCH_TOKEN for writes.

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

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
  std::vector<std::string> matchers;
  std::string duration = "2h";
  std::string comment;
};

httplib::Client Client(const std::string& server) {
  httplib::Client c(server);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(10, 0);
  if (const char* token = std::getenv("FIREWATCH_TOKEN"); token && *token) {
    c.set_bearer_token_auth(token);
  }
  return c;
}

// The body of a 2xx answer, or an error naming the server's complaint.
Result<json> Call(const std::string& server, const httplib::Result& res) {
  if (!res) {
    return Fail(ErrorCode::kIo, "cannot reach " + server + ": " + httplib::to_string(res.error()));
  }
  json body = json::parse(res->body, nullptr, false);
  if (res->status / 100 != 2) {
    std::string why = res->body;
    if (body.is_object() && body.contains("error")) {
      why = body["error"].is_object() ? body["error"].value("message", why) : body["error"].dump();
    }
    return Fail(res->status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                "server answered " + std::to_string(res->status) + ": " + why);
  }
  return body;
}

void List(const AlertsFlags& f, ExitStatus& status) {
  auto c = Client(f.server);
  auto body = Call(f.server, c.Get("/api/v2/alerts"));
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
  auto c = Client(f.server);
  const std::string path = f.id.starts_with("{") ? "/api/v1/alerts/explain?alert=" +
                                                       httplib::detail::encode_query_param(f.id)
                                                 : "/api/v1/alerts/explain?fingerprint=" + f.id;
  auto body = Call(f.server, c.Get(path));
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
  auto c = Client(f.server);
  auto body = Call(f.server, c.Post("/api/v2/silences", req.dump(), "application/json"));
  if (!body) return ReportError(body.error(), status);
  std::cout << (*body)["silenceID"].get<std::string>() << "\n";
}

void Expire(const AlertsFlags& f, ExitStatus& status) {
  auto c = Client(f.server);
  auto body = Call(f.server, c.Delete("/api/v2/silence/" + f.id));
  if (!body) return ReportError(body.error(), status);
  std::cout << "expired " << f.id << "\n";
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
  auto* silence = alerts->add_subcommand("silence", "Silence matching alerts (prints its id)");
  silence->add_option("--matcher,-m", f.matchers, "name=value, name!=value, name=~re, name!~re")
      ->required();
  silence->add_option("--duration", f.duration, "How long")->capture_default_str();
  silence->add_option("--comment", f.comment, "Why (required)")->required();
  silence->callback([&status] { Silence(f, status); });
  auto* expire = alerts->add_subcommand("expire", "End a silence now");
  expire->add_option("id", f.id, "Silence id")->required();
  expire->callback([&status] { Expire(f, status); });
  // --server may follow the subcommand too.
  for (CLI::App* sub : {list, explain, silence, expire}) sub->fallthrough();
}

}  // namespace fw::cli
