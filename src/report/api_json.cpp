// Decoding the incidents API's JSON (src/incident/api.cpp writes it).

#include "report/api_json.h"

namespace fw::report {
namespace {

using nlohmann::json;

const json& Data(const json& answer) {
  return answer.is_object() && answer.contains("data") ? answer["data"] : answer;
}

Result<std::string> Str(const json& j, const char* key, bool required = true) {
  if (!j.contains(key) || j[key].is_null()) {
    if (!required) return std::string();
    return Fail(ErrorCode::kInvalidArgument, std::string("server answer lacks \"") + key + "\"");
  }
  if (!j[key].is_string()) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("server answer: \"") + key + "\" is not a string");
  }
  return j[key].get<std::string>();
}

// An optional string field, `fallback` when absent or empty.
std::string StrOr(const json& j, const char* key, const std::string& fallback) {
  auto v = Str(j, key, /*required=*/false);
  return v && !v->empty() ? *v : fallback;
}

// An RFC 3339 time field; "" (the API's "not set") is nullopt.
Result<std::optional<Timestamp>> OptTime(const json& j, const char* key) {
  auto text = Str(j, key, /*required=*/false);
  if (!text) return Fail(text.error());
  if (text->empty()) return std::optional<Timestamp>();
  auto t = ParseTimestamp(*text);
  if (!t) return Fail(t.error().WithContext(std::string("server answer \"") + key + "\""));
  return std::optional<Timestamp>(*t);
}

Result<void> ReadIncident(const json& d, incident::Incident& i) {
  auto id = Str(d, "id");
  if (!id) return Fail(id.error());
  i.id = *id;
  i.title = Str(d, "title", false).value_or("");
  i.group_key = Str(d, "group_key", false).value_or("");
  if (d.contains("services") && d["services"].is_array()) {
    for (const json& s : d["services"]) {
      if (s.is_string()) i.services.push_back(s.get<std::string>());
    }
  }
  auto sev = incident::ParseSeverity(StrOr(d, "severity", "P3"));
  if (!sev) return Fail(sev.error());
  i.severity = *sev;
  auto state = incident::ParseState(StrOr(d, "status", "triggered"));
  if (!state) return Fail(state.error());
  i.state = *state;
  auto created = OptTime(d, "created_at");
  if (!created) return Fail(created.error());
  i.created_at = created->value_or(0);
  for (auto [key, field] : {std::pair{"acknowledged_at", &i.acknowledged_at},
                            {"mitigated_at", &i.mitigated_at},
                            {"resolved_at", &i.resolved_at},
                            {"closed_at", &i.closed_at}}) {
    auto t = OptTime(d, key);
    if (!t) return Fail(t.error());
    *field = *t;
  }
  if (d.contains("roles") && d["roles"].is_object()) {
    for (const auto& [name, person] : d["roles"].items()) {
      auto role = incident::ParseRole(name);
      if (role && person.is_string()) i.roles[*role] = person.get<std::string>();
    }
  }
  return {};
}

Result<incident::TimelineEntry> ReadEntry(const json& e, const std::string& incident_id) {
  if (!e.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "server answer: a timeline entry is not an object");
  }
  incident::TimelineEntry t;
  t.incident_id = incident_id;
  if (e.contains("seq") && e["seq"].is_number_integer()) t.seq = e["seq"].get<int64_t>();
  auto time = OptTime(e, "time");
  if (!time) return Fail(time.error());
  t.time = time->value_or(0);
  t.actor = Str(e, "actor", false).value_or("");
  t.source = Str(e, "source", false).value_or("");
  auto kind = incident::ParseEntryKind(StrOr(e, "kind", "note"));
  if (!kind) return Fail(kind.error());
  t.kind = *kind;
  t.text = Str(e, "text", false).value_or("");
  t.details = e.contains("details") && e["details"].is_object()
                  ? e["details"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  : "{}";
  return t;
}

}  // namespace

Result<FetchedIncident> IncidentFromApiJson(const json& answer) {
  const json& d = Data(answer);
  if (!d.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "server answer: the incident is not an object");
  }
  FetchedIncident out;
  if (auto r = ReadIncident(d, out.incident); !r) return Fail(r.error());
  if (d.contains("timeline") && d["timeline"].is_array()) {
    for (const json& e : d["timeline"]) {
      auto entry = ReadEntry(e, out.incident.id);
      if (!entry) return Fail(entry.error());
      out.timeline.push_back(std::move(*entry));
    }
  }
  return out;
}

Result<std::vector<ActionItem>> ActionItemsFromApiJson(const json& answer) {
  const json& d = Data(answer);
  if (!d.is_array()) {
    return Fail(ErrorCode::kInvalidArgument, "server answer: action items are not an array");
  }
  std::vector<ActionItem> items;
  for (const json& j : d) {
    if (!j.is_object()) continue;
    auto id = Str(j, "id");
    auto text = Str(j, "text");
    if (!id) return Fail(id.error());
    if (!text) return Fail(text.error());
    items.push_back({*id, *text, Str(j, "owner", false).value_or(""),
                     j.contains("done") && j["done"].is_boolean() && j["done"].get<bool>()});
  }
  return items;
}

}  // namespace fw::report
