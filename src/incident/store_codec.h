#pragma once
// How every IncidentStore backend spells an incident's structured columns:
// services as a JSON array, roles as a JSON object {role: person}, alert
// labels as a JSON object, action items as "AI-<n>". One spelling, so
// `firewatch admin migrate-state` copies rows between backends as they are.
// Stored JSON was written by these functions; a parse failure means
// corruption or a hand edit and is reported (kInternal), never thrown.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "incident/incident.h"

namespace fw::incident::codec {

std::string ServicesJson(const Incident& i);
std::string RolesJson(const Incident& i);
std::string LabelsJson(const LabelSet& labels);

Result<void> ReadServices(const std::string& text, Incident& into);
Result<void> ReadRoles(const std::string& text, Incident& into);
Result<LabelSet> ReadLabels(const std::string& text);

std::string ItemId(int64_t num);                   // "AI-3"
Result<int64_t> ParseItemId(std::string_view id);  // kInvalidArgument names the bad id

}  // namespace fw::incident::codec
