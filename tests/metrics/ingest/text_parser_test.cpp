// Table-driven cases for the exposition parsers: valid input with the exact
// samples and metadata it yields, invalid input with the exact line:column
// and message of the error.

#include "metrics/ingest/text_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metrics/ingest/label_set_handler.h"
#include "recording_handler.h"

namespace fw::metrics::ingest {
namespace {

using testing::RecordingHandler;
constexpr Format kProm = Format::kPrometheusText;
constexpr Format kOm = Format::kOpenMetrics;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

struct ValidCase {
  const char* name;
  Format format;
  std::string input;
  std::string want;  // RecordingHandler lines joined with '\n'
};

class ValidTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidTest, ParsesToExpectedSamples) {
  const ValidCase& c = GetParam();
  RecordingHandler h;
  auto r = ParseExposition(c.input, c.format, h, "case");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Join(h.lines), c.want);
  EXPECT_EQ(r->samples, h.samples);
}

const ValidCase kValid[] = {
    {"PromBasic", kProm,
     "# HELP http_requests_total The total number of HTTP requests.\n"
     "# TYPE http_requests_total counter\n"
     "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
     "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n",
     "# HELP http_requests_total The total number of HTTP requests.\n"
     "# TYPE http_requests_total counter\n"
     "http_requests_total{method=\"post\",code=\"200\"} 1027 @1395066363000\n"
     "http_requests_total{method=\"post\",code=\"400\"} 3 @1395066363000\n"},
    {"PromEscapes", kProm,
     "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
     "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n",
     "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
     "file:\\n\\\"FILE.TXT\\\"\"} 1458255915\n"},
    {"PromWhitespaceAndTrailingComma", kProm,
     "  metric_without_timestamp_and_labels   12.47  \n"
     "foo { a = \"1\" , }\t2\t-3\n",
     "metric_without_timestamp_and_labels 12.47\n"
     "foo{a=\"1\"} 2 @-3\n"},
    {"PromSpecialValues", kProm, "a +Inf\nb -Inf\nc NaN\nd -0.5e-3\ne inf\nf .5\ng 1e-400\nh 7.\n",
     "a +Inf\nb -Inf\nc NaN\nd -5e-04\ne +Inf\nf 0.5\ng 0\nh 7\n"},
    {"PromCommentsAndBlankLines", kProm, "# just a comment\n\n   \n#HELP x not help\nx 1\n# \n#\n",
     "x 1\n"},
    {"PromNoFinalNewline", kProm, "x 1", "x 1\n"},
    {"PromUnknownEscapeKept", kProm, "x{a=\"\\t\"} 1\n", "x{a=\"\\\\t\"} 1\n"},
    {"PromColonsUtf8AndEmptyValues", kProm, "job:rate5m{a=\"é\",b=\"\"} 3\n",
     "job:rate5m{a=\"é\",b=\"\"} 3\n"},
    {"PromHelpEscapes", kProm, "# HELP x a\\\\b\\nc \\q\n", "# HELP x a\\b\nc \\q\n"},
    {"PromHistogram", kProm,
     "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
     "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"},
    {"OmCounterWithExemplar", kOm,
     "# TYPE foo counter\n"
     "# HELP foo Help \\\"quoted\\\" \\\\ \\n.\n"
     "foo_total{a=\"1\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
     "foo_total{a=\"2\"} 3 # {} 1 1520879607\n"
     "foo_created{a=\"1\"} 1520430000.123\n"
     "# EOF\n",
     "# TYPE foo counter\n"
     "# HELP foo Help \"quoted\" \\ \n.\n"
     "foo_total{a=\"1\"} 17 @1520879607789\n"
     "foo_total{a=\"2\"} 3\n"
     "foo_created{a=\"1\"} 1520430000.123\n"},
    {"OmTimestamps", kOm,
     "a 1 1768485615.000\nb 1 1768485615\nc 1 1768485615.5\nd 1 -1.5\ne 1 1.0005\n"
     "f 1 1e3\ng 1 .25\nh 1 1.0004999\n# EOF",
     "a 1 @1768485615000\nb 1 @1768485615000\nc 1 @1768485615500\nd 1 @-1500\n"
     "e 1 @1001\nf 1 @1000000\ng 1 @250\nh 1 @1000\n"},
    {"OmTypes", kOm,
     "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0.5\n"
     "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\ng_gsum 2\n"
     "# TYPE i info\ni_info{version=\"1\"} 1\n"
     "# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"
     "# TYPE q summary\nq{quantile=\"0.5\"} 1\nq_count 2\nq_sum 3\n"
     "# TYPE u unknown\nu 1\n"
     "# EOF\n",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0.5\n"
     "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\ng_gsum 2\n"
     "# TYPE i info\ni_info{version=\"1\"} 1\n"
     "# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"
     "# TYPE q summary\nq{quantile=\"0.5\"} 1\nq_count 2\nq_sum 3\n"
     "# TYPE u unknown\nu 1\n"},
    {"OmUnitAndEmptyHelp", kOm,
     "# TYPE x_seconds gauge\n# UNIT x_seconds seconds\n# HELP x_seconds\nx_seconds{} 1\n# EOF\n",
     "# TYPE x_seconds gauge\n# UNIT x_seconds seconds\n# HELP x_seconds \nx_seconds 1\n"},
    {"OmEmpty", kOm, "# EOF\n", ""},
    {"OmFamilyWithoutMetadata", kOm, "a 1\na{x=\"1\"} 2\nb 3\n# EOF\n", "a 1\na{x=\"1\"} 2\nb 3\n"},
};

INSTANTIATE_TEST_SUITE_P(TextParser, ValidTest, ::testing::ValuesIn(kValid),
                         [](const auto& info) { return std::string(info.param.name); });

struct InvalidCase {
  const char* name;
  Format format;
  std::string input;
  std::string want;  // Error::ToString() with source name "m"
};

class InvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidTest, FailsAtExactPosition) {
  const InvalidCase& c = GetParam();
  RecordingHandler h;
  auto r = ParseExposition(c.input, c.format, h, "m");
  ASSERT_FALSE(r.has_value()) << "parsed: " << Join(h.lines);
  EXPECT_EQ(r.error().ToString(), c.want);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

const InvalidCase kInvalid[] = {
    {"PromMissingEquals", kProm, "a 1\nhttp_requests_total{route\"x\"} 1\n",
     "m:2:26: expected '=' after label name \"route\""},
    {"PromMissingComma", kProm, "x{a=\"1\" b=\"2\"} 1\n",
     "m:1:9: expected ',' or '}' after the value of label \"a\", found 'b'"},
    {"PromUnterminatedValue", kProm, "x{a=\"1} 1\n",
     "m:1:5: the value of label \"a\" has no closing '\"'"},
    {"PromTextAfterTimestamp", kProm, "x 1 2 3\n", "m:1:7: unexpected text after the timestamp"},
    {"PromBadValue", kProm, "x abc\n",
     "m:1:3: invalid value \"abc\" (expected a number, +Inf, -Inf or NaN)"},
    {"PromFloatTimestamp", kProm, "x 1 1.5\n",
     "m:1:5: invalid timestamp \"1.5\" (expected integer milliseconds since the epoch)"},
    {"PromTimestampOverflow", kProm, "x 1 99999999999999999999\n",
     "m:1:5: invalid timestamp \"99999999999999999999\" (expected integer milliseconds since the "
     "epoch)"},
    {"PromMissingValue", kProm, "x\n", "m:1:2: missing value"},
    {"PromDuplicateLabel", kProm, "x{a=\"1\",a=\"2\"} 1\n", "m:1:9: duplicate label name \"a\""},
    {"PromReservedName", kProm, "x{__name__=\"y\"} 1\n",
     "m:1:3: label name \"__name__\" is reserved for the metric name"},
    {"PromNoMetricName", kProm, "{a=\"1\"} 1\n", "m:1:1: expected a metric name before '{'"},
    {"PromBadType", kProm, "# TYPE x foo\n",
     "m:1:10: unknown metric type \"foo\" (expected counter, gauge, histogram, summary or "
     "untyped)"},
    {"PromMissingType", kProm, "# TYPE x\n", "m:1:9: expected a metric type after \"x\""},
    {"PromBadUtf8", kProm, "x{a=\"\xff\"} 1\n",
     "m:1:6: the value of label \"a\" is not valid UTF-8"},
    {"PromNoSpaceBeforeValue", kProm, "x{a=\"1\"}1\n", "m:1:9: unexpected '1' before the value"},
    {"PromValueOverflow", kProm, "x 1e999\n",
     "m:1:3: invalid value \"1e999\" (expected a number, +Inf, -Inf or NaN)"},
    {"PromCarriageReturn", kProm, "x 1\r\n",
     "m:1:3: invalid value \"1\r\" (expected a number, +Inf, -Inf or NaN)"},
    {"PromBadNameChar", kProm, "x-y 1\n", "m:1:2: unexpected '-' before the value"},
    {"PromSignedNaN", kProm, "x -NaN\n",
     "m:1:3: invalid value \"-NaN\" (expected a number, +Inf, -Inf or NaN)"},
    {"PromLabelNameDigit", kProm, "x{1a=\"1\"} 1\n", "m:1:3: expected a label name, found '1'"},
    {"PromMissingBrace", kProm, "x{a=\"1\"\n", "m:1:8: missing '}' at the end of the label set"},
    {"OmMissingEof", kOm, "foo 1\n",
     "m:2:1: missing \"# EOF\" at the end of the OpenMetrics exposition (truncated?)"},
    {"OmMissingEofNoNewline", kOm, "foo 1",
     "m:1:1: missing \"# EOF\" at the end of the OpenMetrics exposition (truncated?)"},
    {"OmEmptyInput", kOm, "",
     "m:1:1: missing \"# EOF\" at the end of the OpenMetrics exposition (truncated?)"},
    {"OmContentAfterEof", kOm, "foo 1\n# EOF\nbar 1\n",
     "m:3:1: unexpected content after \"# EOF\", which must be the last line"},
    {"OmBlankAfterEof", kOm, "# EOF\n\n",
     "m:2:1: unexpected content after \"# EOF\", which must be the last line"},
    {"OmBlankLine", kOm, "foo 1\n\n# EOF\n",
     "m:2:1: empty line (OpenMetrics does not allow blank lines)"},
    {"OmComment", kOm, "# comment\n# EOF\n",
     "m:1:1: expected \"# TYPE\", \"# HELP\", \"# UNIT\" or \"# EOF\" (OpenMetrics has no "
     "comments)"},
    {"OmEofTrailingText", kOm, "# EOF \n", "m:1:6: unexpected text after \"# EOF\""},
    {"OmDoubleSpace", kOm, "foo  1\n# EOF\n", "m:1:5: expected a single space before the value"},
    {"OmTrailingComma", kOm, "foo{a=\"1\",} 1\n# EOF\n", "m:1:11: expected a label name after ','"},
    {"OmBadTimestamp", kOm, "foo 1 abc\n# EOF\n",
     "m:1:7: invalid timestamp \"abc\" (expected seconds since the epoch, e.g. 1700000000.123)"},
    {"OmNaNTimestamp", kOm, "foo 1 NaN\n# EOF\n",
     "m:1:7: invalid timestamp \"NaN\" (expected seconds since the epoch, e.g. 1700000000.123)"},
    {"OmCounterWithoutSuffix", kOm, "# TYPE foo counter\nfoo 1\n# EOF\n",
     "m:2:1: sample name \"foo\" does not fit the counter family \"foo\" (check the suffix: "
     "_total, _bucket, ...)"},
    {"OmMetadataAfterSamples", kOm, "# TYPE foo gauge\nfoo 1\n# HELP foo x\n# EOF\n",
     "m:3:1: # HELP for \"foo\" must come before its samples"},
    {"OmDuplicateType", kOm, "# TYPE a gauge\n# TYPE a counter\n# EOF\n",
     "m:2:1: duplicate # TYPE for \"a\""},
    {"OmInterleavedFamilies", kOm, "a 1\nb 1\na 2\n# EOF\n",
     "m:3:1: metric family \"a\" appears again after other families (a family's lines must be "
     "contiguous)"},
    {"OmInterleavedMetadata", kOm, "# TYPE a gauge\na 1\nb 1\n# TYPE a gauge\n# EOF\n",
     "m:4:8: metric family \"a\" appears again after other families (a family's lines must be "
     "contiguous)"},
    {"OmUnitNotSuffix", kOm, "# TYPE x gauge\n# UNIT x seconds\n# EOF\n",
     "m:2:8: metric name \"x\" must end with \"_seconds\" to have unit \"seconds\""},
    {"OmBadEscape", kOm, "foo{a=\"\\t\"} 1\n# EOF\n",
     "m:1:8: invalid escape sequence in the value of label \"a\" (use \\\\, \\\" or \\n)"},
    {"OmExemplarMissingValue", kOm, "foo 1 # {a=\"1\"}\n# EOF\n", "m:1:16: missing exemplar value"},
    {"OmExemplarNoSpace", kOm, "foo 1 #{a=\"1\"} 1\n# EOF\n",
     "m:1:7: expected \"# {\" to start an exemplar"},
    {"OmExemplarTooLong", kOm, "foo 1 # {a=\"" + std::string(128, 'x') + "\"} 1\n# EOF\n",
     "m:1:9: exemplar labels have 129 characters; at most 128 are allowed"},
    {"OmHelpBadEscape", kOm, "# HELP foo bad \\t escape\n# EOF\n",
     "m:1:16: invalid escape sequence in help text (use \\\\, \\\" or \\n)"},
    {"OmBadType", kOm, "# TYPE foo untyped\n# EOF\n",
     "m:1:12: unknown metric type \"untyped\" (expected counter, gauge, histogram, "
     "gaugehistogram, summary, info, stateset or unknown)"},
    {"OmTextAfterTimestamp", kOm, "foo 1 1.5 2\n# EOF\n",
     "m:1:11: unexpected text after the timestamp"},
    {"OmTabSeparator", kOm, "foo\t1\n# EOF\n", "m:1:4: unexpected '\\t' before the value"},
    {"OmLeadingSpace", kOm, " foo 1\n# EOF\n", "m:1:1: expected a metric name, found ' '"},
    {"OmTrailingSpace", kOm, "foo 1 \n# EOF\n", "m:1:7: missing timestamp or exemplar"},
};

INSTANTIATE_TEST_SUITE_P(TextParser, InvalidTest, ::testing::ValuesIn(kInvalid),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TextParserTest, SamplesBeforeTheErrorAreDeliveredAndCounted) {
  RecordingHandler h;
  TextParser parser(kProm);
  auto r = parser.Parse("a 1\nb 2\nc x\nd 4\n", h, "m");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().where().line, 3);
  EXPECT_EQ(h.samples, 2u);
  EXPECT_EQ(parser.stats().samples, 2u);
  EXPECT_EQ(parser.stats().lines, 3u);
}

TEST(TextParserTest, ParserIsReusableAcrossCalls) {
  TextParser parser(kOm);
  for (int i = 0; i < 3; ++i) {
    RecordingHandler h;
    auto r = parser.Parse("a{x=\"\\\"\"} 1\nb 2\n# EOF\n", h);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(Join(h.lines), "a{x=\"\\\"\"} 1\nb 2\n");
  }
}

TEST(TextParserTest, ReportsFamilyTypeAndRawSeries) {
  RecordingHandler h;
  auto r = ParseExposition(
      "# TYPE h histogram\nh_bucket {le=\"1\"} 1\nh_count 1\nother 2\n# TYPE c_total counter\n"
      "c_total 5\n",
      kProm, h);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(h.families, (std::vector<std::string>{"h:histogram", "h:histogram", "other:unknown",
                                                  "c_total:counter"}));
  EXPECT_EQ(h.series[0], "h_bucket {le=\"1\"}");
  EXPECT_EQ(h.series[1], "h_count");
  EXPECT_EQ(r->metadata, 2u);
}

TEST(TextParserTest, CountsExemplars) {
  RecordingHandler h;
  auto r = ParseExposition(
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1 # {id=\"a\"} 0.5 1.25\nh_count 1\n# EOF", kOm,
      h);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->exemplars, 1u);
  EXPECT_EQ(r->samples, 2u);
}

TEST(TextParserTest, ErrorWithoutSourceNameStillHasLineAndColumn) {
  RecordingHandler h;
  auto r = ParseExposition("x{a=1} 1\n", kProm, h);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().ToString(),
            "line 1, column 5: expected '\"' to start the value of label \"a\"");
}

TEST(TextParserTest, FormatFromContentType) {
  EXPECT_EQ(FormatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            kOm);
  EXPECT_EQ(FormatFromContentType("Application/OpenMetrics-Text"), kOm);
  EXPECT_EQ(FormatFromContentType("text/plain; version=0.0.4"), kProm);
  EXPECT_EQ(FormatFromContentType(""), kProm);
}

class CollectingLabelSets final : public LabelSetHandler {
 public:
  void OnSeries(const fw::LabelSet& s, double v, std::optional<Timestamp> t) override {
    got.push_back(s.ToString() + " " + testing::RenderValue(v) +
                  (t ? " @" + std::to_string(*t) : ""));
  }
  std::vector<std::string> got;
};

TEST(LabelSetHandlerTest, BuildsSortedSetsWithNameAndDropsEmptyValues) {
  CollectingLabelSets h;
  auto r = ParseExposition(
      "m{z=\"1\",a=\"2\"} 1 10\nm{z=\"3\",a=\"4\"} 2\nm{a=\"5\",b=\"\"} 3\nn 4\nm{z=\"6\",a=\"7\"} "
      "5\n",
      kProm, h);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(h.got, (std::vector<std::string>{
                       "{__name__=\"m\",a=\"2\",z=\"1\"} 1 @10",
                       "{__name__=\"m\",a=\"4\",z=\"3\"} 2",
                       "{__name__=\"m\",a=\"5\"} 3",
                       "{__name__=\"n\"} 4",
                       "{__name__=\"m\",a=\"7\",z=\"6\"} 5",
                   }));
}

}  // namespace
}  // namespace fw::metrics::ingest
