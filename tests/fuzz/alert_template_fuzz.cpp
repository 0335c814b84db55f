// Fuzz target for alert templates (rule annotations and labels, Go
// text/template dialect): the first line is the template, the rest a label
// value; any template parses or fails with a column inside it, and what
// parses expands without failing for any labels and value ({{if}} depth is
// bounded by kMaxTemplateDepth).

#include <cstring>
#include <string>
#include <string_view>

#include "alerting/alert_template.h"
#include "fuzz_target.h"

FW_FUZZ_TARGET(alert_template) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string_view tmpl = text.substr(0, nl);
  const std::string value(nl == std::string_view::npos ? "" : text.substr(nl + 1));
  auto t = fw::alerting::AlertTemplate::Parse(tmpl);
  if (!t) {
    FW_FUZZ_CHECK(!t.error().message().empty());
    FW_FUZZ_CHECK(t.error().where().column >= 1);
    return 0;
  }
  double v = 0;
  std::memcpy(&v, data, std::min(size, sizeof v));
  fw::alerting::TemplateData d;
  d.labels = fw::LabelSet({{"__name__", "up"}, {"instance", value}, {"job", "api"}});
  d.value = v;
  (void)t->Expand(d);
  d.value = 0.5;
  (void)t->Expand(d);
  return 0;
}
