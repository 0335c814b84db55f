// Fuzz target for the Alertmanager payload parsers: the v4 webhook body
// (POST /api/v1/intake/alertmanager) and the API v2 alert list (POST
// /api/v2/alerts). Any bytes give alerts or an error; every alert has
// labels that are valid UTF-8 and an alertname or a fingerprint to route by.

#include <string_view>

#include "alerting/webhook.h"
#include "common/text.h"
#include "fuzz_target.h"

namespace {

void Check(const fw::Result<std::vector<fw::alerting::RoutedAlert>>& alerts) {
  if (!alerts) {
    FW_FUZZ_CHECK(!alerts.error().message().empty());
    return;
  }
  for (const auto& a : *alerts) {
    for (const fw::Label& l : a.labels.labels()) {
      FW_FUZZ_CHECK(fw::IsValidUtf8(l.name) && fw::IsValidUtf8(l.value));
    }
  }
}

}  // namespace

FW_FUZZ_TARGET(alertmanager) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Check(fw::alerting::ParseAlertmanagerPayload(body));
  Check(fw::alerting::ParseAlertmanagerApiAlerts(body, 1'768'485'600'000));
  return 0;
}
