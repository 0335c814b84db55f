// The routes that change who is on call while serving (override_book.h).

#include <map>
#include <nlohmann/json.hpp>

#include "incident/oncall_api.h"
#include "incident/override_book.h"

namespace fw::incident {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

json OverrideJson(const BookedOverride& o) {
  return {{"id", o.id},
          {"schedule", o.schedule},
          {"user", o.user},
          {"start", FormatRfc3339Millis(o.start)},
          {"end", FormatRfc3339Millis(o.end)},
          {"by", o.by},
          {"reason", o.reason}};
}

Response OverridesAnswer(int status, const json& data) {
  return Response::Json(status, json{{"status", "success"}, {"data", data}}.dump(
                                    -1, ' ', false, json::error_handler_t::replace));
}

// A request body's fields: `strings` and `times` (RFC 3339), each required.
struct OverrideBody {
  json doc;
  std::map<std::string, std::string> str;
  std::map<std::string, Timestamp> time;
};

Result<OverrideBody> ReadOverrideBody(const Request& req,
                                      std::initializer_list<const char*> strings,
                                      std::initializer_list<const char*> times) {
  OverrideBody b{json::parse(req.body, nullptr, false), {}, {}};
  if (!b.doc.is_object()) return Fail(ErrorCode::kInvalidArgument, "body must be a JSON object");
  for (const char* key : strings) {
    const json& v = b.doc.contains(key) ? b.doc[key] : json();
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Fail(ErrorCode::kInvalidArgument, std::string(key) + ": required (a string)");
    }
    b.str[key] = v.get<std::string>();
  }
  for (const char* key : times) {
    const json& v = b.doc.contains(key) ? b.doc[key] : json();
    auto t = v.is_string() ? ParseTimestamp(v.get<std::string>())
                           : Fail(ErrorCode::kInvalidArgument, "required (RFC 3339)");
    if (!t) return Fail(ErrorCode::kInvalidArgument, std::string(key) + ": " + t.error().message());
    b.time[key] = *t;
  }
  return b;
}

Result<const Schedule*> KnownSchedule(const OnCallConfig& config, const std::string& name) {
  if (const Schedule* s = config.FindSchedule(name)) return s;
  return Fail(ErrorCode::kNotFound, "no schedule \"" + name + "\"");
}

std::string OverrideAuthor(const Request& req) {
  return req.principal.empty() ? "anonymous" : req.principal;
}

}  // namespace

void RegisterOverrideApi(server::HttpServer& http, const OnCallConfig& config, OverrideBook& book) {
  http.Handle("GET", "/api/v1/oncall/overrides", server::Role::kViewer, [&book](const Request&) {
    json list = json::array();
    for (const BookedOverride& o : book.List()) list.push_back(OverrideJson(o));
    return OverridesAnswer(200, {{"overrides", list}});
  });
  http.Handle("POST", "/api/v1/oncall/overrides", server::Role::kResponder,
              [&config, &book](const Request& req) {
                auto b = ReadOverrideBody(req, {"schedule", "user"}, {"start", "end"});
                if (!b) return Response::FromError(b.error());
                if (auto s = KnownSchedule(config, b->str["schedule"]); !s) {
                  return Response::FromError(s.error());
                }
                auto o =
                    book.Add({"", b->str["schedule"], b->str["user"], b->time["start"],
                              b->time["end"], OverrideAuthor(req), b->doc.value("reason", "")});
                if (!o) return Response::FromError(o.error());
                return OverridesAnswer(201, OverrideJson(*o));
              });
  http.Handle("POST", "/api/v1/oncall/swaps", server::Role::kResponder,
              [&config, &book](const Request& req) {
                auto b = ReadOverrideBody(req, {"schedule", "from", "to"}, {"start", "end"});
                if (!b) return Response::FromError(b.error());
                auto s = KnownSchedule(config, b->str["schedule"]);
                if (!s) return Response::FromError(s.error());
                auto made = book.Swap(**s, b->str["from"], b->str["to"], b->time["start"],
                                      b->time["end"], OverrideAuthor(req));
                if (!made) return Response::FromError(made.error());
                json list = json::array();
                for (const BookedOverride& o : *made) list.push_back(OverrideJson(o));
                return OverridesAnswer(201, {{"overrides", list}});
              });
  http.Handle("DELETE", "/api/v1/oncall/overrides/:id", server::Role::kResponder,
              [&book](const Request& req) {
                auto removed = book.Remove(req.path_params.at("id"));
                if (!removed) return Response::FromError(removed.error());
                return OverridesAnswer(200, json::object());
              });
}

}  // namespace fw::incident
