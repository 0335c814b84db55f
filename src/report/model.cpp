// BuildModel: the key moments, timings and lessons of a response, read from
// the incident, its timeline, the analysis and the runbook runs.

#include "report/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace fw::report {
namespace {

using incident::EntryKind;
using incident::TimelineEntry;

constexpr int64_t kMinute = 60'000;

std::optional<Timestamp> FirstEntry(const ReportInput& in, EntryKind kind) {
  for (const TimelineEntry& e : in.timeline) {
    if (e.kind == kind) return e.time;
  }
  return std::nullopt;
}

bool Ran(const runbook::StepRecord& s) {
  return s.status != runbook::StepStatus::kPending && s.status != runbook::StepStatus::kSkipped &&
         s.started > 0;
}

// The earliest start (or latest successful finish) of a phase's steps.
std::optional<Timestamp> PhaseStart(const ReportInput& in, std::string_view phase,
                                    std::string* how) {
  std::optional<Timestamp> best;
  for (const auto& run : in.runs) {
    for (const auto& s : run.steps) {
      if (s.phase != phase || !Ran(s) || (best && *best <= s.started)) continue;
      best = s.started;
      *how = "runbook " + run.runbook + ", step " + s.name;
    }
  }
  return best;
}

std::optional<Timestamp> PhaseDone(const ReportInput& in, std::string_view phase,
                                   std::string* how) {
  std::optional<Timestamp> best;
  for (const auto& run : in.runs) {
    for (const auto& s : run.steps) {
      if (s.phase != phase || s.status != runbook::StepStatus::kSucceeded || s.finished <= 0 ||
          (best && *best >= s.finished)) {
        continue;
      }
      best = s.finished;
      *how = "runbook " + run.runbook + ", step " + s.name;
    }
  }
  return best;
}

}  // namespace

Timestamp OnsetOf(const ReportInput& in) {
  Timestamp onset = in.incident.created_at;
  if (in.analysis && in.analysis->window.onset > 0)
    onset = std::min(onset, in.analysis->window.onset);
  // The first sign of the problem is often before any alert: the moment the
  // signals behind the likeliest cause left their baselines (the pool's
  // pending connections, the error lines), within the analysis' lookback.
  if (in.analysis && !in.analysis->hypotheses.empty()) {
    const rca::Analysis& a = *in.analysis;
    const Timestamp earliest = a.window.onset - a.window.lookback_ms;
    const std::vector<std::string>& ids = a.hypotheses.front().evidence;
    for (const rca::Evidence& e : a.evidence) {
      if (e.kind == rca::EvidenceKind::kChange) continue;  // the cause, not a sign of it
      if (e.first_moved <= 0 || e.first_moved < earliest) continue;
      if (std::find(ids.begin(), ids.end(), e.id) == ids.end()) continue;
      onset = std::min(onset, e.first_moved);
    }
  }
  for (const auto& a : in.incident.alerts) {
    if (a.first_seen > 0) onset = std::min(onset, a.first_seen);
  }
  if (auto t = FirstEntry(in, EntryKind::kAlertFiring)) onset = std::min(onset, *t);
  return onset;
}

namespace {

void AddMilestones(ReportModel& m) {
  const ReportInput& in = *m.in;
  const incident::Incident& i = in.incident;
  auto add = [&](std::string name, std::optional<Timestamp> t, std::string how) {
    m.milestones.push_back({std::move(name), t, t ? std::move(how) : "not recorded"});
  };
  add("Impact began", m.onset,
      "earliest of the first signal behind the root cause, the first alert and the declaration");
  add("Detected", i.created_at, "incident opened");
  if (auto t = FirstEntry(in, EntryKind::kNotificationDelivered)) {
    add("Team notified", t, "first notification delivered");
  } else if (auto s = FirstEntry(in, EntryKind::kNotificationSent)) {
    add("Team notified", s, "first notification sent");
  } else {
    add("Team notified", i.acknowledged_at, "acknowledged (no notification recorded)");
  }
  add("Acknowledged", i.acknowledged_at, "incident acknowledged");
  std::string how;
  auto contain = PhaseStart(in, "containment", &how);
  add("Containment started", contain, how);
  std::optional<Timestamp> rca;
  for (const TimelineEntry& e : in.timeline) {
    if (e.source == "rca" && e.kind == EntryKind::kNote) rca = e.time;
  }
  if (!rca && in.analysis && in.analysis->window.now > 0) rca = in.analysis->window.now;
  add("Root cause identified", in.analysis ? rca : std::nullopt, "root-cause analysis recorded");
  auto resolution = PhaseDone(in, "resolution", &how);
  add("Resolution implemented", resolution, how);
  std::optional<Timestamp> restored = PhaseDone(in, "recovery", &how);
  if (!restored && i.mitigated_at) {
    restored = i.mitigated_at;
    how = "incident mitigated";
  } else if (!restored && i.resolved_at) {
    restored = i.resolved_at;
    how = "incident resolved";
  } else if (restored) {
    how += " verified";
  }
  add("Service restored", restored, how);
  add("Incident resolved", i.resolved_at, "incident resolved");
}

std::optional<Timestamp> MilestoneTime(const ReportModel& m, std::string_view name) {
  for (const Milestone& ms : m.milestones) {
    if (ms.name == name) return ms.time;
  }
  return std::nullopt;
}

// Everything but the chatter of notification delivery and the start of
// runbook steps (their outcome follows).
bool Notable(const TimelineEntry& e) {
  if (e.kind == EntryKind::kNotificationSent || e.kind == EntryKind::kNotificationDelivered) {
    return false;
  }
  if (e.source != "runbook" || e.kind != EntryKind::kAction) return true;
  const auto d = nlohmann::json::parse(e.details, nullptr, false);
  if (!d.is_object() || !d.contains("step") || !d["step"].is_object()) return true;
  return d["step"].value("status", "") != "running";
}

void AddTimings(ReportModel& m) {
  auto since = [&](std::string_view name) -> std::optional<int64_t> {
    auto t = MilestoneTime(m, name);
    if (!t) return std::nullopt;
    return std::max<int64_t>(0, *t - m.onset);
  };
  m.timings = {{"Time to detect", since("Detected"), 5 * kMinute},
               {"Time to contain", since("Containment started"), 15 * kMinute},
               {"Time to resolve", since("Service restored"), 30 * kMinute}};
}

void TimingLessons(ReportModel& m) {
  for (const Timing& t : m.timings) {
    const std::string target = " (target " + FormatDuration(t.target_ms) + ")";
    if (!t.ms) {
      m.to_improve.push_back(t.name + ": not recorded, so it cannot be compared" + target);
    } else if (t.met()) {
      m.went_well.push_back(t.name + " was " + FormatDuration(*t.ms) + target);
    } else {
      m.to_improve.push_back(t.name + " was " + FormatDuration(*t.ms) + ", over the " +
                             FormatDuration(t.target_ms) + " target");
    }
  }
}

void AnalysisLessons(ReportModel& m) {
  if (m.in->analysis == nullptr) {
    m.to_improve.push_back("No root-cause analysis was recorded");
    return;
  }
  if (m.top == nullptr) {
    m.to_improve.push_back("The root-cause analysis ranked no hypothesis");
  } else if (m.top->confidence >= 0.6) {
    m.went_well.push_back("The root cause (" + m.top->category + ") was identified with " +
                          FormatPercent(m.top->confidence) + " confidence");
  } else {
    m.to_improve.push_back("The root cause is uncertain: the top hypothesis (" + m.top->category +
                           ") has only " + FormatPercent(m.top->confidence) + " confidence");
  }
  for (const std::string& gap : m.in->analysis->gaps) {
    m.to_improve.push_back("Evidence was missing: " + gap);
  }
}

void RunLessons(ReportModel& m) {
  for (const auto& run : m.in->runs) {
    int ok = 0, verified = 0;
    bool failed = false;
    for (const auto& s : run.steps) {
      if (s.status == runbook::StepStatus::kSucceeded) {
        ++ok;
        if (s.kind == "verify") ++verified;
      } else if (s.status == runbook::StepStatus::kFailed ||
                 s.status == runbook::StepStatus::kReverted) {
        failed = true;
        m.to_improve.push_back(
            "Runbook " + run.runbook + ": step " + s.name + " " +
            std::string(s.status == runbook::StepStatus::kFailed ? "failed" : "was reverted") +
            (s.message.empty() ? "" : ": " + s.message));
      }
    }
    if (!failed && run.status == runbook::RunStatus::kSucceeded) {
      m.went_well.push_back("Runbook " + run.runbook + " ran " + std::to_string(ok) + " steps, " +
                            std::to_string(verified) + " of them verifications, all succeeded");
    }
    if (run.status == runbook::RunStatus::kEscalated) {
      m.to_improve.push_back("Runbook " + run.runbook +
                             " could not finish and escalated to a human");
    }
    if (run.auto_approved) {
      m.to_improve.push_back("Runbook " + run.runbook +
                             " was approved automatically, without a human decision");
    }
  }
  if (m.in->runs.empty()) m.to_improve.push_back("No runbook was run");
}

void NotificationLessons(ReportModel& m) {
  int failed = 0;
  for (const TimelineEntry& e : m.in->timeline) {
    if (e.kind == EntryKind::kNotificationFailed) ++failed;
  }
  if (failed > 0) {
    m.to_improve.push_back(std::to_string(failed) + " notification" + (failed > 1 ? "s" : "") +
                           " failed to deliver");
  }
  auto notified = MilestoneTime(m, "Team notified");
  auto detected = MilestoneTime(m, "Detected");
  if (notified && detected && *notified - *detected <= 5 * kMinute) {
    m.went_well.push_back("The team was notified " + FormatDuration(*notified - *detected) +
                          " after detection");
  }
}

}  // namespace

const rca::Evidence* FindEvidenceById(const rca::Analysis& a, const std::string& id) {
  for (const rca::Evidence& e : a.evidence) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

ReportModel BuildModel(const ReportInput& in) {
  ReportModel m;
  m.in = &in;
  m.onset = OnsetOf(in);
  m.end = in.incident.resolved_at;
  const Timestamp until = m.end ? *m.end : std::max(in.generated_at, m.onset);
  m.duration_ms = std::max<int64_t>(0, until - m.onset);
  AddMilestones(m);
  for (const TimelineEntry& e : in.timeline) {
    if (Notable(e)) m.events.push_back(&e);
  }
  std::ranges::stable_sort(m.events, {}, &TimelineEntry::time);
  if (in.analysis && !in.analysis->hypotheses.empty()) {
    m.top = &in.analysis->hypotheses.front();
    for (const std::string& id : m.top->evidence) {
      if (const rca::Evidence* e = FindEvidenceById(*in.analysis, id)) m.top_evidence.push_back(e);
    }
  }
  AddTimings(m);
  TimingLessons(m);
  AnalysisLessons(m);
  RunLessons(m);
  NotificationLessons(m);
  m.action_items_derived = in.action_items.empty();
  m.action_items = m.action_items_derived ? DeriveFromModel(m) : in.action_items;
  return m;
}

std::string FormatDuration(int64_t ms) {
  const int64_t s = std::max<int64_t>(0, ms) / 1000;
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  }
  std::string out = buf;
  if (out.ends_with(" 00s")) out.resize(out.size() - 4);
  return out;
}

std::string FormatTime(Timestamp t) {
  std::string s = FormatRfc3339Millis(t);  // 2026-11-25T10:26:31.123Z
  if (s.size() == 24) s = s.substr(0, 10) + " " + s.substr(11, 8) + "Z";
  return s;
}

std::string FormatMoney(double amount, const std::string& currency) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::round(amount * 100) / 100);
  std::string digits = buf;
  const size_t dot = digits.find('.');
  const size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t i = dot; i > first + 3; i -= 3) digits.insert(i - 3, ",");
  return digits + " " + currency;
}

std::string FormatPercent(double share) {
  char buf[32];
  const double pct = share * 100;
  std::snprintf(buf, sizeof buf, pct != 0 && pct < 1 ? "%.2f%%" : "%.0f%%", pct);
  return buf;
}

}  // namespace fw::report
