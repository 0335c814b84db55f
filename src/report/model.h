#pragma once
// The report's facts, computed once from a ReportInput and shared by the
// three renderers: the key moments of the response, the timings against the
// classic human targets, the lessons and the action items. Internal to
// src/report.
//
// Timings are measured from the onset of impact: time to detect (target
// 5 min), to contain (15 min) and to resolve (service restored, 30 min).

#include <optional>
#include <string>
#include <vector>

#include "report/report.h"

namespace fw::report {

struct Milestone {
  std::string name;  // "Detected", "Team notified", ...
  std::optional<Timestamp> time;
  std::string how;  // where the time came from ("first alert", "runbook step scale_out")
};

struct Timing {
  std::string name;  // "Time to detect"
  std::optional<int64_t> ms;
  int64_t target_ms = 0;
  bool met() const { return ms && *ms <= target_ms; }
};

struct ReportModel {
  const ReportInput* in = nullptr;
  Timestamp onset = 0;
  std::optional<Timestamp> end;  // resolved_at; absent while ongoing
  int64_t duration_ms = 0;       // onset to end, or to generated_at while ongoing
  std::vector<Milestone> milestones;
  std::vector<const incident::TimelineEntry*> events;  // the notable ones, in time order
  std::vector<Timing> timings;
  const rca::Hypothesis* top = nullptr;
  std::vector<const rca::Evidence*> top_evidence;
  std::vector<std::string> went_well, to_improve;
  std::vector<ActionItem> action_items;
  bool action_items_derived = false;
};

// REQUIRES: `in` outlives the model.
ReportModel BuildModel(const ReportInput& in);
// The action items a model's facts call for (action_items.cpp).
std::vector<ActionItem> DeriveFromModel(const ReportModel& m);

// When impact began: the earliest of the analysis's onset, the first alert
// and the incident's creation.
Timestamp OnsetOf(const ReportInput& in);

// The evidence with this id in the analysis, or null.
const rca::Evidence* FindEvidenceById(const rca::Analysis& a, const std::string& id);

// "45s", "4m 05s", "1h 02m"; negative durations read "0s".
std::string FormatDuration(int64_t ms);
// "2026-11-25 10:26:31Z"
std::string FormatTime(Timestamp t);
// "1,234.50 USD"
std::string FormatMoney(double amount, const std::string& currency);
// "82%"
std::string FormatPercent(double share);

}  // namespace fw::report
