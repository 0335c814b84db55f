// Fuzz target for runbook templates (`{{ .name | filter }}` in runbooks and
// action files): the first line is the template, the rest the value of every
// variable. A template parses or fails with a column; Render, RenderArg and
// RenderLoose never crash; a value quoted with `| promql` always stays one
// PromQL string (the label matcher it is spliced into parses and holds the
// value exactly), and RenderArg never lets a value start an option.

#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "metrics/promql/ast.h"
#include "metrics/promql/parser.h"
#include "runbook/template.h"

FW_FUZZ_TARGET(runbook_template) {
  namespace rb = fw::runbook;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string tmpl(text.substr(0, nl));
  const std::string value(nl == std::string_view::npos ? "" : text.substr(nl + 1));
  auto t = rb::Template::Parse(tmpl);
  if (!t) {
    FW_FUZZ_CHECK(!t.error().message().empty());
    FW_FUZZ_CHECK(t.error().where().column >= 1);
  } else {
    rb::Vars vars;
    for (const rb::Template::Ref& r : t->refs()) vars[r.name] = value;
    (void)t->Render(vars);
    (void)t->RenderLoose(vars);
    auto arg = t->RenderArg(vars);
    if (arg && !arg->empty() && (*arg)[0] == '-') {
      // Only literal text or a reference marked `| arg` may start with "-".
      const auto refs = t->refs();
      const bool literal_first = refs.empty() || refs[0].begin > 0;
      FW_FUZZ_CHECK(literal_first || refs[0].quote == rb::Quote::kArg || value.empty() ||
                    value[0] != '-' || refs[0].has_default);
    }
  }
  // The PromQL quoting holds for any value.
  auto quoted = rb::Template::Parse("{{ .v | promql }}");
  FW_FUZZ_CHECK(quoted.has_value());
  auto body = quoted->Render({{"v", value}});
  if (body) {
    auto expr = fw::metrics::promql::ParseExpr("m{l=\"" + *body + "\"}");
    FW_FUZZ_CHECK(expr.has_value());
  }
  return 0;
}
