#include "alerting/alert_template.h"

#include <gtest/gtest.h>

#include <cmath>

#include "alerting/template_format.h"

namespace fw::alerting {
namespace {

std::string Expand(const std::string& text, double value = 0.5) {
  auto t = AlertTemplate::Parse(text);
  if (!t) return "ERROR " + t.error().ToString();
  return t->Expand({LabelSet{{"__name__", "up"}, {"job", "shop"}, {"instance", "a:9100"}}, value});
}

TEST(AlertTemplateTest, LabelsValuesAndPipelines) {
  EXPECT_EQ(Expand("{{ $labels.job }} on {{ .Labels.instance }}"), "shop on a:9100");
  EXPECT_EQ(Expand("{{ $value }} {{ .Value }}", 1e6), "1e+06 1e+06");
  EXPECT_EQ(Expand("{{ $labels.missing }}|"), "|");
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}", 0.4512), "45.12%");
  EXPECT_EQ(Expand("{{ printf \"%.1f%%\" $value }}", 12.345), "12.3%");
  EXPECT_EQ(Expand("{{ $labels.job | toUpper | toLower }}"), "shop");
  EXPECT_EQ(Expand("{{ \"hello world\" | title }}"), "Hello World");
  EXPECT_EQ(Expand("{{ if gt $value 0.9 }}hot{{ else }}ok{{ end }}", 0.95), "hot");
  EXPECT_EQ(Expand("{{ if and (gt $value 0.9) }}x{{ end }}", 0.95),
            "ERROR line 1, column 11: template: unexpected \"(\"")
      << "no parentheses in this dialect";
  EXPECT_EQ(Expand("{{ if eq $labels.job \"shop\" }}yes{{ end }}"), "yes");
  EXPECT_EQ(Expand("a {{- \" b \" -}} c"), "a b c");
  EXPECT_EQ(Expand("{{ printf \"%d\" $value }}", 0.5), "%!d(float64=0.5)");
}

TEST(AlertTemplateTest, ParseErrorsPointAtTheAction) {
  auto t = AlertTemplate::Parse("ok {{ $labls.job }}");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().where().column, 7);
  EXPECT_NE(t.error().message().find("undefined variable \"$labls\""), std::string::npos);
  EXPECT_FALSE(AlertTemplate::Parse("{{ $labels.job"));
  EXPECT_FALSE(AlertTemplate::Parse("{{ if true }}x"));
  EXPECT_FALSE(AlertTemplate::Parse("{{ end }}"));
  EXPECT_FALSE(AlertTemplate::Parse("{{ query \"up\" }}"));
  EXPECT_FALSE(AlertTemplate::Parse("{{ nosuch $value }}"));
  EXPECT_FALSE(AlertTemplate::Parse("{{ $value 1 }}"));
  EXPECT_TRUE(AlertTemplate::Parse("plain text")->is_plain());
}

TEST(TemplateFormatTest, MatchesPrometheus) {
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(Humanize(1234567), "1.235M");
  EXPECT_EQ(Humanize(-0.00123), "-1.23m");
  EXPECT_EQ(Humanize(NAN), "NaN");
  EXPECT_EQ(Humanize1024(1), "1");
  EXPECT_EQ(Humanize1024(3 << 20), "3Mi");
  EXPECT_EQ(HumanizePercentage(0.5), "50%");
  EXPECT_EQ(HumanizeDuration(0), "0s");
  EXPECT_EQ(HumanizeDuration(59.5), "59.5s");
  EXPECT_EQ(HumanizeDuration(3600), "1h 0m 0s");
  EXPECT_EQ(HumanizeDuration(-90), "-1m 30s");
  // Beyond int64 seconds: no undefined conversion, plain seconds (UBSan, fuzzing).
  EXPECT_NE(HumanizeDuration(2.38339e180).find("e+180s"), std::string::npos);
  EXPECT_NE(HumanizeDuration(-1e19).find("e+19s"), std::string::npos);
  EXPECT_EQ(HumanizeDuration(0.25), "250ms");
  EXPECT_EQ(StripPort("[::1]:9100"), "::1");
  EXPECT_EQ(StripPort("::1"), "::1");
  EXPECT_EQ(
      GoPrintf("%s=%5.2f %q %%", {"a", "3.14159", "x"}, {std::nullopt, 3.14159, std::nullopt}),
      "a= 3.14 \"x\" %");
  EXPECT_EQ(GoPrintf("%s", {}, {}), "%!s(MISSING)");
}

}  // namespace
}  // namespace fw::alerting

namespace fw::alerting {
namespace {

// Nested {{if}}s recurse in the parser and in Expand: held to kMaxTemplateDepth.
TEST(AlertTemplateDepthTest, DeeplyNestedIfIsAParseError) {
  for (int n : {kMaxTemplateDepth + 1, 10'000, 100'000}) {
    std::string t;
    for (int i = 0; i < n; ++i) t += "{{if 1}}";
    t += "x";
    for (int i = 0; i < n; ++i) t += "{{end}}";
    auto r = AlertTemplate::Parse(t);
    ASSERT_FALSE(r) << n;
    EXPECT_NE(r.error().message().find("{{if}} nested deeper than 64 levels"), std::string::npos)
        << r.error().ToString();
    EXPECT_EQ(r.error().where().column, 8 * kMaxTemplateDepth + 3);
  }
  std::string ok;
  for (int i = 0; i < kMaxTemplateDepth; ++i) ok += "{{if 1}}";
  ok += "x";
  for (int i = 0; i < kMaxTemplateDepth; ++i) ok += "{{end}}";
  auto r = AlertTemplate::Parse(ok);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->Expand({}), "x");
}

}  // namespace
}  // namespace fw::alerting
