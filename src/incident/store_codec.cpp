// JSON spellings of an incident's structured columns; see the header.

#include "incident/store_codec.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fw::incident::codec {
namespace {

using nlohmann::json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<json> Parse(const std::string& text, std::string_view what, bool object) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || (object ? !j.is_object() : !j.is_array())) {
    return Fail(ErrorCode::kInternal, "incident store: stored " + std::string(what) +
                                          " is not a JSON " + (object ? "object" : "array") + ": " +
                                          text.substr(0, 80));
  }
  return j;
}

}  // namespace

std::string ServicesJson(const Incident& i) { return Dump(json(i.services)); }

std::string RolesJson(const Incident& i) {
  json j = json::object();
  for (const auto& [role, person] : i.roles) j[std::string(RoleName(role))] = person;
  return Dump(j);
}

std::string LabelsJson(const LabelSet& labels) {
  json j = json::object();
  for (const Label& l : labels.labels()) j[l.name] = l.value;
  return Dump(j);
}

Result<void> ReadServices(const std::string& text, Incident& into) {
  auto services = Parse(text, "services", /*object=*/false);
  if (!services) return Fail(services.error());
  for (const json& v : *services) {
    if (v.is_string()) into.services.push_back(v.get<std::string>());
  }
  return {};
}

Result<void> ReadRoles(const std::string& text, Incident& into) {
  auto roles = Parse(text, "roles", /*object=*/true);
  if (!roles) return Fail(roles.error());
  for (const auto& [name, person] : roles->items()) {
    auto role = ParseRole(name);
    if (role && person.is_string()) into.roles[*role] = person.get<std::string>();
  }
  return {};
}

Result<LabelSet> ReadLabels(const std::string& text) {
  auto labels = Parse(text, "alert labels", /*object=*/true);
  if (!labels) return Fail(labels.error());
  LabelSet out;
  for (const auto& [k, v] : labels->items()) {
    if (v.is_string()) out.Set(k, v.get<std::string>());
  }
  return out;
}

std::string ItemId(int64_t num) { return "AI-" + std::to_string(num); }

Result<int64_t> ParseItemId(std::string_view id) {
  int64_t n = 0;
  const bool ok = id.starts_with("AI-") && id.size() > 3 && id.size() < 20 &&
                  std::ranges::all_of(id.substr(3), [](char c) { return c >= '0' && c <= '9'; });
  if (ok) n = std::stoll(std::string(id.substr(3)));
  if (!ok || n <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "bad action item id \"" + std::string(id) + "\" (expected AI-<n>, e.g. AI-1)");
  }
  return n;
}

}  // namespace fw::incident::codec
