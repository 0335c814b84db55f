#pragma once
// Request bodies as nlohmann::json, held to kMaxJsonDepth (common/text.h):
// the parser is iterative, but dumping a document and every walk over it
// recurse, so a body like [[[[...]]]] must not get that far.

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/text.h"

namespace fw {

// The parsed body, or a discarded value (is_discarded()) when it is not
// JSON or nests deeper than kMaxJsonDepth. Handlers answer 400 either way.
inline nlohmann::json ParseJsonBody(std::string_view body) {
  if (JsonNestingDepth(body) > kMaxJsonDepth)
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace fw
