// Fuzz target for the Logs Insights language: the first line of the input is
// a query, the remaining lines are log events. Any bytes must give a result
// or a located error, never a crash. Deterministic mutations of the suite's
// queries run in every `make test` (tests/logs/insights/robustness_test.cpp);
// this target is for AFL++:
//
//   make fuzz   # configures build-fuzz with FW_FUZZ=ON
//   cmake --build build-fuzz --target insights_fuzz
//   afl-fuzz -i tests/fuzz/corpus/insights -o build-fuzz/insights-findings
//            -- build-fuzz/tests/fuzz/insights_fuzz @@

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "logs/event_source.h"
#include "logs/insights/executor.h"
#include "logs/insights/parser.h"

FW_FUZZ_TARGET(insights) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string_view query = text.substr(0, nl);
  auto q = fw::logs::insights::ParseQuery(query);
  if (!q) {
    if (q.error().where().line < 1 || q.error().message().empty()) FW_FUZZ_CHECK(false);
    return 0;
  }
  std::vector<fw::logs::LogEvent> events;
  for (size_t at = nl; at != std::string_view::npos && at < text.size();) {
    const size_t next = text.find('\n', at + 1);
    events.push_back(fw::logs::DecodeLine(text.substr(at + 1, next - at - 1), 0));
    at = next;
  }
  fw::logs::VectorEventSource source(std::move(events));
  fw::ManualClock clock;
  fw::logs::insights::QueryLimits limits;
  limits.max_rows = 10'000;
  limits.max_groups = 1'000;
  (void)fw::logs::insights::Execute(*q, source, {}, clock, limits);
  return 0;
}
