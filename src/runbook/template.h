#pragma once
// Templates in runbooks and action files: text with `{{ .name }}` references
// (the dot and the spaces are optional, `{{service}}` is the same), names
// dotted like `incident.id` or `labels.service`, and filters after `|`:
//
//   {{ .labels.namespace | default "prod" }}  a fallback when the value is empty
//   {{ .x | arg }}      an argv option value: may begin with "-" (see below)
//   {{ .x | promql }}   the body of a PromQL "double-quoted" string literal
//   {{ .x | sql }}      the body of a MySQL/MariaDB 'single-quoted' literal
//   {{ .x | number }}   a PromQL number or duration, refused when it is not one
//
// `default` combines with one of the others (`| default "v1" | promql`); the
// default is quoted like any value. Nothing else: no loops, so a template's
// output is always one string, and an argv template element always stays
// exactly one argument.
//
// Parse errors carry the column inside the text. Rendering fails, naming the
// variable, when a referenced variable has no value and no default, or when
// a value cannot be quoted (`number`).

#include <map>
#include <string>
#include <vector>

#include "common/error.h"

namespace fw::runbook {

using Vars = std::map<std::string, std::string>;

// How a reference's value is written into the output.
enum class Quote { kNone, kArg, kPromql, kSql, kNumber };
const char* QuoteName(Quote q);  // "promql"; "" for kNone

class Template {
 public:
  Template() = default;
  // kInvalidArgument with where().column set (1-based, within `text`).
  static Result<Template> Parse(const std::string& text);

  // REQUIRES: parsed. An empty value counts as no value.
  Result<std::string> Render(const Vars& vars) const;
  // Like Render, for one argv element: fails when the element's first
  // character comes from a variable's value and is "-" (it would be read as
  // an option), unless the reference is marked `| arg`. An element whose
  // literal text comes first (`--replicas={{ .n }}`, `deployment/{{ .s }}`)
  // is safe whatever the value.
  Result<std::string> RenderArg(const Vars& vars) const;
  // Like Render, but a missing variable renders as "<name>" and a value that
  // cannot be quoted as "<name: why>" (dry runs).
  std::string RenderLoose(const Vars& vars) const;

  const std::string& text() const { return text_; }
  // The variables referenced, with their filters and where they are written.
  struct Ref {
    std::string name;
    bool has_default = false;
    Quote quote = Quote::kNone;
    size_t begin = 0;  // byte offset of "{{" in text()
    size_t end = 0;    // one past "}}"
  };
  std::vector<Ref> refs() const;
  bool literal() const;  // no references

 private:
  struct Part {
    bool is_var = false;
    std::string text;  // literal text, or the variable's name
    bool has_default = false;
    std::string fallback;
    Quote quote = Quote::kNone;
    size_t begin = 0, end = 0;
  };
  // The raw value of a reference ("" when missing and no default).
  static const std::string* Value(const Part& p, const Vars& vars);
  Result<std::string> RenderImpl(const Vars& vars, bool argv) const;

  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace fw::runbook
