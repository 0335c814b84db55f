#pragma once
// Alert label and annotation templates in the Go text/template dialect that
// Prometheus rule files use, for the parts rule files actually need:
//
//   {{ $labels.instance }} {{ $value }} {{ .Labels.job }} {{ .Value }}
//   {{ $value | humanizePercentage }}  {{ printf "%.2f" $value }}
//   {{ if gt $value 0.5 }}high{{ else }}elevated{{ end }}   {{- trims -}}
//
// Functions: humanize, humanize1024, humanizePercentage, humanizeDuration,
// printf, toUpper, toLower, title, stripPort, eq, ne, lt, le, gt, ge, and,
// or, not. Anything else (range, with, query, define) is a parse error, so
// `firewatch check rules` reports it before an alert ever fires.
//
//   auto t = AlertTemplate::Parse("{{ $labels.job }} is down");
//   std::string s = t->Expand({labels, value});

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/labels.h"

namespace fw::alerting {

struct TemplateData {
  LabelSet labels;  // the alert's series
  double value = 0;
};

// {{if}} nests at most this deep; deeper templates are a parse error
// ("{{if}} nested deeper than 64 levels") with the column of the {{if}}.
inline constexpr int kMaxTemplateDepth = 64;

class AlertTemplate {
 public:
  // kInvalidArgument with a column (1-based, in `text`) for a bad template.
  static Result<AlertTemplate> Parse(std::string_view text);

  // Never fails: a runtime problem (say printf of a label that is not a
  // number) expands to Go's "%!verb(...)" style marker, as Prometheus shows.
  std::string Expand(const TemplateData& data) const;

  // A template without actions expands to its text; rules skip the work.
  bool is_plain() const;

  struct Node;
  AlertTemplate(AlertTemplate&&) noexcept;
  AlertTemplate& operator=(AlertTemplate&&) noexcept;
  ~AlertTemplate();

 private:
  AlertTemplate() = default;
  std::unique_ptr<Node> root_;
};

}  // namespace fw::alerting
