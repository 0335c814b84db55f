#pragma once
// Templates in runbooks and action files: text with `{{ .name }}` references
// (the dot and the spaces are optional, `{{service}}` is the same), names
// dotted like `incident.id` or `labels.service`, and an optional fallback:
// `{{ .labels.namespace | default "prod" }}`. Nothing else: no functions,
// no loops, so a template's output is always one string, and an argv
// template element always stays exactly one argument.
//
// Parse errors carry the column inside the text. Rendering fails, naming the
// variable, when a referenced variable has no value and no default.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"

namespace fw::runbook {

using Vars = std::map<std::string, std::string>;

class Template {
 public:
  Template() = default;
  // kInvalidArgument with where().column set (1-based, within `text`).
  static Result<Template> Parse(const std::string& text);

  // REQUIRES: parsed. An empty value counts as no value.
  Result<std::string> Render(const Vars& vars) const;
  // Like Render, but a missing variable renders as "<name>" (dry runs).
  std::string RenderLoose(const Vars& vars) const;

  const std::string& text() const { return text_; }
  // The variables referenced, with whether each has a default.
  struct Ref {
    std::string name;
    bool has_default = false;
  };
  std::vector<Ref> refs() const;
  bool literal() const;  // no references

 private:
  struct Part {
    bool is_var = false;
    std::string text;  // literal text, or the variable's name
    bool has_default = false;
    std::string fallback;
  };
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace fw::runbook
