#include "incident/severity_policy.h"

#include <algorithm>

namespace fw::incident {

SeverityPolicy SeverityPolicy::Default() {
  return SeverityPolicy({
      {{{"severity", "critical"}}, Severity::kP1},
      {{{"severity", "error"}}, Severity::kP2},
      {{{"severity", "high"}}, Severity::kP2},
      {{{"severity", "warning"}}, Severity::kP3},
      {{{"severity", "info"}}, Severity::kP4},
  });
}

Severity SeverityPolicy::For(const LabelSet& labels) const {
  for (const SeverityRule& rule : rules_) {
    const bool all = std::ranges::all_of(
        rule.match, [&](const Label& l) { return labels.Get(l.name) == l.value; });
    if (all) return rule.severity;
  }
  return fallback_;
}

std::optional<Severity> SeverityPolicy::ForServices(size_t services) const {
  std::optional<Severity> worst;
  for (const ServicesRule& rule : services_) {
    if (services >= rule.at_least && (!worst || rule.severity < *worst)) worst = rule.severity;
  }
  return worst;
}

}  // namespace fw::incident
