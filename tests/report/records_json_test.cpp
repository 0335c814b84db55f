// The records carried by timeline entries: JSON round trips, errors on bad
// records, and rebuilding a report's input from a timeline.

#include "report/records_json.h"

#include <gtest/gtest.h>

#include "fixtures.h"

namespace fw::report {
namespace {

using nlohmann::json;
using namespace fw::report::testing;

TEST(RecordsJsonTest, AnalysisRoundTrips) {
  const rca::Analysis a = PoolAnalysis();
  const json j = AnalysisToJson(a);
  auto back = AnalysisFromJson(j);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(AnalysisToJson(*back), j);
  ASSERT_EQ(back->hypotheses.size(), 3u);
  ASSERT_TRUE(back->hypotheses[0].suspect_change);
  EXPECT_EQ(back->hypotheses[0].suspect_change->version, "v2.4.1");
  EXPECT_FALSE(back->hypotheses[1].suspect_change);
  EXPECT_EQ(back->evidence[1].kind, rca::EvidenceKind::kLogPattern);
  EXPECT_EQ(back->window.onset, kT0);
  EXPECT_DOUBLE_EQ(back->hypotheses[0].confidence, 0.87);
}

TEST(RecordsJsonTest, RunAndStepRoundTrip) {
  const runbook::RunRecord run = PoolRun();
  const json j = RunRecordToJson(run);
  auto back = RunRecordFromJson(j);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(RunRecordToJson(*back), j);
  EXPECT_EQ(back->steps.size(), 4u);
  EXPECT_EQ(back->steps[0].command, run.steps[0].command);
  EXPECT_EQ(back->steps[3].status, runbook::StepStatus::kFailed);
  EXPECT_TRUE(back->auto_approved);
  auto step = StepRecordFromJson(StepRecordToJson(run.steps[2]));
  ASSERT_TRUE(step);
  EXPECT_EQ(step->verification, "max(hikaricp_connections_pending) < 1");
  EXPECT_FALSE(RunRecordToJson(run, /*with_steps=*/false).contains("steps"));
}

TEST(RecordsJsonTest, EveryStatusNameRoundTrips) {
  for (int i = 0; i <= static_cast<int>(runbook::StepStatus::kReverted); ++i) {
    const auto s = static_cast<runbook::StepStatus>(i);
    EXPECT_EQ(*ParseStepStatus(StepStatusText(s)), s);
  }
  for (int i = 0; i <= static_cast<int>(runbook::RunStatus::kEscalated); ++i) {
    const auto s = static_cast<runbook::RunStatus>(i);
    EXPECT_EQ(*ParseRunStatus(RunStatusText(s)), s);
  }
  EXPECT_EQ(RunStatusText(runbook::RunStatus::kWaitingApproval), "waiting_approval");
}

TEST(RecordsJsonTest, OlderRecordsWithoutKeysLoad) {
  auto step = StepRecordFromJson(json{{"name", "x"}});
  ASSERT_TRUE(step);
  EXPECT_EQ(step->status, runbook::StepStatus::kPending);
  auto a = AnalysisFromJson(json::object());
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->hypotheses.empty());
}

TEST(RecordsJsonTest, BadRecordsFailWithTheReason) {
  auto status = StepRecordFromJson(json{{"status", "exploded"}});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("accepted: pending, running"), std::string::npos);
  auto type = RunRecordFromJson(json{{"started", "yesterday"}});
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().message().find("\"started\" has the wrong type"), std::string::npos);
  EXPECT_FALSE(AnalysisFromJson(json::array()));
  EXPECT_FALSE(AnalysisFromJson(json{{"hypotheses", json{{"a", 1}}}}));
  EXPECT_FALSE(AnalysisFromJson(json{{"evidence", {json{{"kind", "rumour"}}}}}));
}

// The timeline the responder writes: the analysis, then every step twice
// (running, then its outcome), two runs interleaved, one broken entry.
std::vector<incident::TimelineEntry> RecordedTimeline() {
  using incident::EntryKind;
  std::vector<incident::TimelineEntry> t = FullInput().timeline;
  int64_t seq = 100;
  auto add = [&](Timestamp time, EntryKind kind, std::string source, std::string text,
                 std::string details) {
    t.push_back(Entry(seq++, time, kind, "firewatch", std::move(source), std::move(text)));
    t.back().details = std::move(details);
  };
  t[5].details = AnalysisDetails(PoolAnalysis());  // the rca note
  runbook::RunRecord run = PoolRun();
  runbook::RunRecord second = run;
  second.runbook = "notify-only";
  second.started = run.started + 1;
  second.steps = {run.steps[3]};
  for (size_t i = 0; i < run.steps.size(); ++i) {
    runbook::StepRecord running = run.steps[i];
    running.status = runbook::StepStatus::kRunning;
    running.finished = 0;
    runbook::RunRecord header = run;
    header.status = runbook::RunStatus::kRunning;
    add(running.started, EntryKind::kAction, "runbook", "step " + running.name + " running",
        RunbookStepDetails(header, running, static_cast<int>(i)));
    if (i == 1) {
      add(second.started, EntryKind::kAction, "runbook", "notify-only",
          RunbookStepDetails(second, second.steps[0]));
      add(running.started, EntryKind::kAction, "runbook", "broken", "{\"run\": 3}");
    }
    add(run.steps[i].finished, EntryKind::kAction, "runbook", "step " + running.name + " done",
        RunbookStepDetails(i + 1 == run.steps.size() ? run : header, run.steps[i],
                           static_cast<int>(i)));
  }
  return t;
}

TEST(ReportInputFromTimelineTest, RebuildsAnalysisAndRuns) {
  const ReportInput full = FullInput();
  std::vector<std::string> skipped;
  auto in = ReportInputFromTimeline(full.incident, RecordedTimeline(), &skipped);
  ASSERT_TRUE(in) << in.error().ToString();
  ASSERT_NE(in->analysis, nullptr);
  EXPECT_EQ(AnalysisToJson(*in->analysis), AnalysisToJson(PoolAnalysis()));
  ASSERT_EQ(in->runs.size(), 2u);
  EXPECT_EQ(RunRecordToJson(in->runs[0]), RunRecordToJson(PoolRun()));
  EXPECT_EQ(in->runs[1].runbook, "notify-only");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("timeline entry"), std::string::npos);
  // The input owns its analysis: a copy outlives the original.
  ReportInput copy;
  {
    ReportInput moved = std::move(*in);
    copy = moved;
  }
  ASSERT_NE(copy.analysis, nullptr);
  EXPECT_EQ(copy.analysis->hypotheses[0].category, "db_pool_exhaustion");
}

TEST(ReportInputFromTimelineTest, ReportFromTimelineMatchesHandBuiltOne) {
  ReportInput direct = FullInput();
  direct.timeline = RecordedTimeline();
  direct.runs.push_back(direct.runs[0]);
  direct.runs[1].runbook = "notify-only";
  direct.runs[1].started += 1;
  direct.runs[1].steps = {PoolRun().steps[3]};
  auto rebuilt = ReportInputFromTimeline(direct.incident, direct.timeline);
  ASSERT_TRUE(rebuilt);
  rebuilt->impact = direct.impact;
  rebuilt->impact_options = direct.impact_options;
  rebuilt->action_items = direct.action_items;
  rebuilt->generated_at = direct.generated_at;
  EXPECT_EQ(RenderReport(*rebuilt, ReportFormat::kMarkdown),
            RenderReport(direct, ReportFormat::kMarkdown));
}

TEST(ReportInputFromTimelineTest, EventsShowStepOutcomesNotTheirStart) {
  const ReportInput full = FullInput();
  auto in = ReportInputFromTimeline(full.incident, RecordedTimeline());
  ASSERT_TRUE(in);
  const std::string md = RenderReport(*in, ReportFormat::kMarkdown);
  // Step outcomes are written while the run is still running: the step's
  // status, not the run's, decides.
  EXPECT_NE(md.find("step kill-idle-connections done"), std::string::npos);
  EXPECT_NE(md.find("step rollback done"), std::string::npos);
  EXPECT_EQ(md.find("step rollback running"), std::string::npos);
}

TEST(ReportInputFromTimelineTest, NoRecordsMeansNotAnalysedAndNoRuns) {
  const ReportInput minimal = MinimalInput();
  auto in = ReportInputFromTimeline(minimal.incident, minimal.timeline);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->analysis, nullptr);
  EXPECT_TRUE(in->runs.empty());
  EXPECT_EQ(in->timeline.size(), 1u);
}

TEST(ReportInputFromTimelineTest, RefusesAnotherIncidentsTimeline) {
  const ReportInput minimal = MinimalInput();
  incident::Incident other = minimal.incident;
  other.id = "INC-9";
  EXPECT_FALSE(ReportInputFromTimeline(other, minimal.timeline));
}

}  // namespace
}  // namespace fw::report
