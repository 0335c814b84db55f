#pragma once
// SeverityPolicy: which priority an incident gets. From an alert's labels:
// an ordered list of rules, each a set of label equalities; the first rule
// whose labels all match wins, else the fallback (P3). User impact is said
// the same way, by a label the rules look at (`match: {impact: users}`).
// From the number of services an incident spans: thresholds ("3 or more
// services: at least P1"), the worst that applies.

#include <optional>
#include <vector>

#include "common/labels.h"
#include "incident/incident.h"

namespace fw::incident {

struct SeverityRule {
  std::vector<Label> match;  // all must equal; empty matches everything
  Severity severity = Severity::kP3;
};

struct ServicesRule {
  size_t at_least = 2;  // services an incident spans
  Severity severity = Severity::kP2;
};

class SeverityPolicy {
 public:
  SeverityPolicy(std::vector<SeverityRule> rules, Severity fallback = Severity::kP3,
                 std::vector<ServicesRule> services = {})
      : rules_(std::move(rules)), fallback_(fallback), services_(std::move(services)) {}

  // severity=critical -> P1, error|high -> P2, warning -> P3, info -> P4.
  static SeverityPolicy Default();

  Severity For(const LabelSet& labels) const;
  // The worst severity the services rules give an incident spanning
  // `services` services; nullopt when none applies.
  std::optional<Severity> ForServices(size_t services) const;
  const std::vector<SeverityRule>& rules() const { return rules_; }
  Severity fallback() const { return fallback_; }

 private:
  std::vector<SeverityRule> rules_;
  Severity fallback_;
  std::vector<ServicesRule> services_;
};

}  // namespace fw::incident
