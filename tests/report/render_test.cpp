// RenderReport against golden files: each case renders a hand-built input
// and compares it byte for byte with tests/report/testdata/<case>.<ext>.
// Regenerate after an intended change with FW_UPDATE_GOLDEN=1 and review
// the diff.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fixtures.h"
#include "report/report.h"

namespace fw::report {
namespace {

using namespace fw::report::testing;

struct GoldenCase {
  const char* file;
  ReportInput (*input)();
  ReportFormat format;
};

const GoldenCase kCases[] = {
    {"full.md", FullInput, ReportFormat::kMarkdown},
    {"full.json", FullInput, ReportFormat::kJson},
    {"full.html", FullInput, ReportFormat::kHtml},
    {"derived.md", DerivedInput, ReportFormat::kMarkdown},
    {"minimal.md", MinimalInput, ReportFormat::kMarkdown},
    {"minimal.json", MinimalInput, ReportFormat::kJson},
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.file; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesFile) {
  const GoldenCase& c = GetParam();
  const std::string path = std::string(FW_REPORT_TESTDATA) + "/" + c.file;
  const std::string got = RenderReport(c.input(), c.format);
  if (const char* update = std::getenv("FW_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << got;
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string want = ReadFile(path);
  ASSERT_FALSE(want.empty()) << path << " is missing; run with FW_UPDATE_GOLDEN=1";
  EXPECT_EQ(got, want) << "render of " << c.file << " changed; if intended, regenerate with "
                       << "FW_UPDATE_GOLDEN=1 and review the diff";
}

INSTANTIATE_TEST_SUITE_P(Report, GoldenTest, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string name = info.param.file;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
});

TEST(RenderTest, HtmlEscapesUserText) {
  const std::string html = RenderReport(FullInput(), ReportFormat::kHtml);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<style>"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(RenderTest, MarkdownEscapesHtmlAndTablePipes) {
  const std::string md = RenderReport(FullInput(), ReportFormat::kMarkdown);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script>"), std::string::npos);
  EXPECT_NE(md.find("\\| pipes"), std::string::npos);
}

TEST(RenderTest, MarkdownHasEverySectionAndChecklist) {
  const std::string md = RenderReport(FullInput(), ReportFormat::kMarkdown);
  for (const char* heading : {"## Summary", "## Timeline", "## Root Cause", "## Resolution",
                              "## Impact", "## Lessons Learned", "## Action Items"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.find("- [x] AI-1: Fix the connection leak in checkout (owner: ann)"),
            std::string::npos);
  EXPECT_NE(md.find("- [ ] AI-2: Alert on pending pool connections"), std::string::npos);
}

TEST(RenderTest, JsonHasAllSections) {
  auto j = nlohmann::json::parse(RenderReport(FullInput(), ReportFormat::kJson));
  for (const char* key : {"incident", "summary", "timeline", "rootCause", "resolution", "impact",
                          "lessons", "actionItems"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["impact"]["usersAffected"], 1234);
  EXPECT_EQ(j["rootCause"]["category"], "db_pool_exhaustion");
  EXPECT_EQ(j["actionItems"][0]["done"], true);
  auto minimal = nlohmann::json::parse(RenderReport(MinimalInput(), ReportFormat::kJson));
  EXPECT_EQ(minimal["impact"]["computed"], false);
  EXPECT_EQ(minimal["rootCause"], nullptr);
}

TEST(RenderTest, RenderIsPure) {
  EXPECT_EQ(RenderReport(FullInput(), ReportFormat::kMarkdown),
            RenderReport(FullInput(), ReportFormat::kMarkdown));
}

TEST(ParseReportFormatTest, AcceptsNamesAndListsThemOnError) {
  EXPECT_EQ(*ParseReportFormat("md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("markdown"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("json"), ReportFormat::kJson);
  EXPECT_EQ(*ParseReportFormat("html"), ReportFormat::kHtml);
  auto bad = ParseReportFormat("pdf");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("markdown, md, json, html"), std::string::npos);
}

TEST(DeriveActionItemsTest, ProposesPreventionAndFixes) {
  const auto items = DeriveActionItems(FullInput());  // ignores the stored items
  ASSERT_GE(items.size(), 3u);
  EXPECT_EQ(items[0].id, "AI-1");
  EXPECT_NE(items[0].text.find("connection leak in checkout"), std::string::npos);
  EXPECT_NE(items[0].text.find("v2.4.1"), std::string::npos);
  bool slow_resolve = false, failed_step = false, gap = false, notify = false;
  for (const ActionItem& a : items) {
    EXPECT_FALSE(a.done);
    slow_resolve |= a.text.find("Shorten recovery") != std::string::npos;
    failed_step |= a.text.find("Fix step tell-stakeholders") != std::string::npos;
    gap |= a.text.find("database process list") != std::string::npos;
    notify |= a.text.find("Fix notification delivery") != std::string::npos;
  }
  // Detection (2 min) and containment (5 min) met their targets; resolution
  // (12 min from onset) met 30 min too, so no "Shorten recovery".
  EXPECT_FALSE(slow_resolve);
  EXPECT_TRUE(failed_step);
  EXPECT_TRUE(gap);
  EXPECT_TRUE(notify);
}

TEST(DeriveActionItemsTest, SlowDetectionAndNoAnalysis) {
  ReportInput in = MinimalInput();
  rca::Analysis a;
  a.window.onset = kT0 - 9 * kMin;  // detected 9 minutes after impact began
  in.owned_analysis = std::make_shared<const rca::Analysis>(a);
  in.analysis = in.owned_analysis.get();
  auto items = DeriveActionItems(in);
  ASSERT_FALSE(items.empty());
  EXPECT_NE(items[0].text.find("detection took 9m"), std::string::npos) << items[0].text;
  in.analysis = nullptr;
  in.owned_analysis.reset();
  items = DeriveActionItems(in);
  bool rca = false;
  for (const ActionItem& i : items) rca |= i.text.find("Run root-cause analysis") == 0;
  EXPECT_TRUE(rca);
}

}  // namespace
}  // namespace fw::report
