#pragma once
// The incident timeline is the source of truth for a report: the responder
// records the root-cause analysis and every runbook step as timeline
// entries, and ReportInputFromTimeline rebuilds the report's input from them,
// so a report can be made from a server's API alone.
//
// The entries (write them with the *Details helpers below):
//   analysis      kind kNote, source "rca"; details = AnalysisToJson(analysis):
//                 {"window": {"onset", "now", "lookback_ms", "services"},
//                  "evidence": [{"kind", "id", "title", "detail", "query",
//                                "language", "first_moved", "score"}],
//                  "hypotheses": [{"category", "confidence", "explanation",
//                                  "evidence", "ruled_out_by", "runbook",
//                                  "suspect_change"?: {"service", "version",
//                                  "previous_version", "who", "type", "time",
//                                  "score", "reason"}}],
//                  "gaps": [...], "timeline": [evidence ids]}
//   runbook step  kind kAction, source "runbook"; details =
//                 {"run": RunRecordToJson(run) without "steps",
//                  "step": StepRecordToJson(step), "step_index": i}
//                 run: {"runbook", "incident_id", "adapter", "dry_run",
//                       "auto_approved", "status", "started", "finished",
//                       "message"}
//                 step: {"name", "kind", "phase", "status", "started",
//                        "finished", "action", "command", "output",
//                        "verification", "message"}
// Times are integers (ms since the epoch); statuses and evidence kinds are
// the snake_case names below. Readers ignore unknown keys and take absent
// keys as the field's default, so records written by older versions load.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "incident/incident.h"
#include "rca/analysis.h"
#include "report/report.h"
#include "runbook/execution.h"

namespace fw::report {

inline constexpr std::string_view kRcaSource = "rca";
inline constexpr std::string_view kRunbookSource = "runbook";

// Names as written in the records ("succeeded", "waiting_approval",
// "metric_anomaly"). Parsers fail with the accepted names.
std::string_view StepStatusText(runbook::StepStatus s);
std::string_view RunStatusText(runbook::RunStatus s);
std::string_view EvidenceKindText(rca::EvidenceKind k);
Result<runbook::StepStatus> ParseStepStatus(std::string_view text);
Result<runbook::RunStatus> ParseRunStatus(std::string_view text);
Result<rca::EvidenceKind> ParseEvidenceKind(std::string_view text);

nlohmann::json AnalysisToJson(const rca::Analysis& analysis);
Result<rca::Analysis> AnalysisFromJson(const nlohmann::json& j);

nlohmann::json StepRecordToJson(const runbook::StepRecord& step);
Result<runbook::StepRecord> StepRecordFromJson(const nlohmann::json& j);
// with_steps = false writes the run's header only (for timeline entries).
nlohmann::json RunRecordToJson(const runbook::RunRecord& run, bool with_steps = true);
Result<runbook::RunRecord> RunRecordFromJson(const nlohmann::json& j);

// The details strings of the two timeline entries above. step_index is the
// step's position in run.steps (-1: found by name).
std::string AnalysisDetails(const rca::Analysis& analysis);
std::string RunbookStepDetails(const runbook::RunRecord& run, const runbook::StepRecord& step,
                               int step_index = -1);

// Rebuilds the analysis (the latest "rca" entry), the runs (the "runbook"
// entries grouped by runbook and start time, the latest state of each step)
// and the stored action items (the notes IncidentService writes, details
// {"action_item": {"id", "text", "owner", "done"}}, latest state per id)
// from the timeline. The analysis is owned by the input (owned_analysis), so
// the input may be copied freely. Entries whose details do not parse are
// skipped and listed in `skipped` (if not null) rather than failing: one bad
// entry must not make a report impossible. Fails only when the timeline
// belongs to another incident.
Result<ReportInput> ReportInputFromTimeline(const incident::Incident& incident,
                                            const std::vector<incident::TimelineEntry>& timeline,
                                            std::vector<std::string>* skipped = nullptr);

}  // namespace fw::report
