#pragma once
// Alertmanager label matchers: `severity="critical"`, `job=~"api|web"`,
// `env!=dev`, `instance!~"test-.*"` (quotes optional for plain values).
// Regexes are RE2, fully anchored, as in Alertmanager. Used by routes,
// silences and inhibition rules.

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/labels.h"

namespace re2 {
class RE2;
}

namespace fw::alerting {

class Matcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };

  // kInvalidArgument naming the problem (bad name, operator, regex).
  static Result<Matcher> Parse(std::string_view text);
  static Result<Matcher> Make(std::string name, Op op, std::string value);

  // An absent label matches as "", as in Alertmanager.
  bool Matches(const LabelSet& labels) const;
  std::string ToString() const;  // name="value" with the operator

  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }

 private:
  Matcher() = default;
  std::string name_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // for kRegex / kNotRegex
};

// True when every matcher matches (an empty list matches everything).
bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels);

}  // namespace fw::alerting
