// Fuzz target for firewatch's JSON readers: request bodies (ParseJsonBody:
// the depth pre-check, then nlohmann::json) and log lines (logs::DecodeLine,
// which reads NDJSON fields). A body either parses within kMaxJsonDepth or
// is refused; what parses prints (invalid bytes replaced) and parses back
// equal; a log line always decodes to an event.

#include <string>
#include <string_view>

#include "common/json_body.h"
#include "common/text.h"
#include "fuzz_target.h"
#include "logs/record.h"

FW_FUZZ_TARGET(json) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json body = fw::ParseJsonBody(text);
  if (!body.is_discarded()) {
    FW_FUZZ_CHECK(fw::JsonNestingDepth(text) <= fw::kMaxJsonDepth);
    const std::string printed = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    FW_FUZZ_CHECK(fw::IsValidUtf8(printed));
    const nlohmann::json again = fw::ParseJsonBody(printed);
    FW_FUZZ_CHECK(!again.is_discarded());
    FW_FUZZ_CHECK(again.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) == printed);
  }
  const fw::logs::LogEvent event = fw::logs::DecodeLine(text.substr(0, text.find('\n')), 7);
  (void)event;
  return 0;
}
