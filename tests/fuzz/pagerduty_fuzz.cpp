// Fuzz target for the PagerDuty Events API v2 parsers: trigger, acknowledge
// and resolve events (POST /v2/enqueue) and change events (POST
// /v2/change/enqueue). Any bytes give an event or an error; an event turns
// into a routable alert with valid UTF-8 labels.

#include <string_view>

#include "alerting/webhook.h"
#include "common/text.h"
#include "fuzz_target.h"

FW_FUZZ_TARGET(pagerduty) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr fw::Timestamp kNow = 1'768'485'600'000;
  auto event = fw::alerting::ParsePagerDutyEvent(body, kNow);
  if (event) {
    const fw::alerting::RoutedAlert a = fw::alerting::ToRoutedAlert(*event, kNow);
    for (const fw::Label& l : a.labels.labels()) {
      FW_FUZZ_CHECK(fw::IsValidUtf8(l.name) && fw::IsValidUtf8(l.value));
    }
  } else {
    FW_FUZZ_CHECK(!event.error().message().empty());
  }
  auto change = fw::alerting::ParsePagerDutyChange(body, kNow);
  if (!change) FW_FUZZ_CHECK(!change.error().message().empty());
  return 0;
}
