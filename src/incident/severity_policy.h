#pragma once
// SeverityPolicy: which priority an alert's incident gets, from the alert's
// labels. An ordered list of rules, each a set of label equalities; the
// first rule whose labels all match wins, else the fallback (P3).

#include <vector>

#include "common/labels.h"
#include "incident/incident.h"

namespace fw::incident {

struct SeverityRule {
  std::vector<Label> match;  // all must equal; empty matches everything
  Severity severity = Severity::kP3;
};

class SeverityPolicy {
 public:
  SeverityPolicy(std::vector<SeverityRule> rules, Severity fallback = Severity::kP3)
      : rules_(std::move(rules)), fallback_(fallback) {}

  // severity=critical -> P1, error|high -> P2, warning -> P3, info -> P4.
  static SeverityPolicy Default();

  Severity For(const LabelSet& labels) const;
  const std::vector<SeverityRule>& rules() const { return rules_; }
  Severity fallback() const { return fallback_; }

 private:
  std::vector<SeverityRule> rules_;
  Severity fallback_;
};

}  // namespace fw::incident
