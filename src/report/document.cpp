// BuildDocument: the report's sections, in the classic order (Summary,
// Timeline, Root Cause, Resolution, Impact, Lessons Learned, Action Items).

#include "report/document.h"

#include <cstdio>

#include "report/records_json.h"

namespace fw::report {
namespace {

using Kind = Block::Kind;

Block& Add(Document& d, Kind kind) {
  d.blocks.emplace_back();
  d.blocks.back().kind = kind;
  return d.blocks.back();
}
void Heading(Document& d, std::string text, int level = 2) {
  Block& b = Add(d, Kind::kHeading);
  b.level = level;
  b.text = std::move(text);
}
void Para(Document& d, std::string text) { Add(d, Kind::kParagraph).text = std::move(text); }
void List(Document& d, std::vector<std::string> items) {
  Add(d, Kind::kList).items = std::move(items);
}
void Table(Document& d, std::vector<std::vector<std::string>> rows) {
  Add(d, Kind::kTable).rows = std::move(rows);
}
void Code(Document& d, std::string text) { Add(d, Kind::kCode).text = std::move(text); }

struct Fields {
  Block b = [] {
    Block f;
    f.kind = Kind::kFields;
    return f;
  }();
  void Add(std::string label, std::string value) {
    b.items.push_back(std::move(label));
    b.values.push_back(std::move(value));
  }
};

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Count(int64_t n) { return std::to_string(n); }

std::string ImpactLine(const ReportModel& m) {
  const ReportInput& in = *m.in;
  if (!in.impact) {
    return "not computed: " +
           (in.impact_missing.empty() ? "no request logs were given" : in.impact_missing);
  }
  const Impact& im = *in.impact;
  std::string line = Count(im.users_affected) + " users affected, " + Count(im.failed_checkouts) +
                     " failed checkouts";
  if (in.impact_options.average_order_value > 0) {
    line += " (about " + FormatMoney(im.revenue_impact, in.impact_options.currency) + ")";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", im.degraded_minutes);
  return line + ", " + buf + " minutes of degraded service";
}

void Summary(Document& d, const ReportModel& m) {
  const incident::Incident& i = m.in->incident;
  Heading(d, "Summary");
  Fields f;
  f.Add("Incident", i.id + ": " + i.title);
  f.Add("Severity", std::string(incident::SeverityName(i.severity)));
  f.Add("State", std::string(incident::StateName(i.state)));
  f.Add("Services", i.services.empty() ? "-" : Join(i.services, ", "));
  f.Add("Start", FormatTime(m.onset));
  f.Add("End", m.end ? FormatTime(*m.end) : "ongoing");
  f.Add("Duration", FormatDuration(m.duration_ms) + (m.end ? "" : " so far"));
  f.Add("Impact", ImpactLine(m));
  f.Add("Root cause",
        m.top ? m.top->category + " (" + FormatPercent(m.top->confidence) + " confidence)"
              : "not analysed");
  d.blocks.push_back(std::move(f.b));
}

void Timeline(Document& d, const ReportModel& m) {
  Heading(d, "Timeline");
  std::vector<std::vector<std::string>> rows = {{"Moment", "Time", "Since start", "From"}};
  for (const Milestone& ms : m.milestones) {
    rows.push_back({ms.name, ms.time ? FormatTime(*ms.time) : "-",
                    ms.time ? "+" + FormatDuration(*ms.time - m.onset) : "-", ms.how});
  }
  Table(d, std::move(rows));
  Heading(d, "Events", 3);
  std::vector<std::vector<std::string>> events = {{"Time", "Who", "Kind", "What"}};
  for (const incident::TimelineEntry* e : m.events) {
    events.push_back({FormatTime(e->time), e->actor + " (" + e->source + ")",
                      std::string(incident::EntryKindName(e->kind)), e->text});
  }
  if (m.events.empty()) {
    Para(d, "No events were recorded.");
  } else {
    Table(d, std::move(events));
  }
}

void RootCause(Document& d, const ReportModel& m) {
  Heading(d, "Root Cause");
  if (m.in->analysis == nullptr || m.top == nullptr) {
    Para(d, "Not analysed: no root-cause analysis was recorded for this incident.");
    return;
  }
  const rca::Hypothesis& h = *m.top;
  Para(d, h.category + " (" + FormatPercent(h.confidence) + " confidence). " + h.explanation);
  if (h.suspect_change) {
    const rca::SuspectChange& c = *h.suspect_change;
    Para(d, "Suspect change: " + c.type + " of " + c.service + " " + c.previous_version + " -> " +
                c.version + (c.who.empty() ? "" : " by " + c.who) + " at " + FormatTime(c.time) +
                (c.reason.empty() ? "" : ": " + c.reason));
  }
  if (!m.top_evidence.empty()) {
    std::vector<std::vector<std::string>> rows = {{"Evidence", "Detail", "Query"}};
    for (const rca::Evidence* e : m.top_evidence) {
      rows.push_back({e->title, e->detail, e->query.empty() ? "-" : e->language + ": " + e->query});
    }
    Table(d, std::move(rows));
  }
  std::vector<std::string> others;
  const auto& hs = m.in->analysis->hypotheses;
  for (size_t k = 1; k < hs.size() && k < 4; ++k) {
    others.push_back(
        hs[k].category + " (" + FormatPercent(hs[k].confidence) + ")" +
        (hs[k].ruled_out_by.empty() ? "" : ": ruled out by " + Join(hs[k].ruled_out_by, "; ")));
  }
  if (!others.empty()) {
    Para(d, "Other hypotheses considered:");
    List(d, std::move(others));
  }
}

void Resolution(Document& d, const ReportModel& m) {
  Heading(d, "Resolution");
  if (m.in->runs.empty()) {
    Para(d, "No runbook was run for this incident.");
    return;
  }
  for (const runbook::RunRecord& run : m.in->runs) {
    Heading(d, "Runbook " + run.runbook, 3);
    Para(d, "Adapter " + run.adapter + ", " + std::string(run.dry_run ? "dry run, " : "") +
                "status " + std::string(RunStatusText(run.status)) + ", started " +
                FormatTime(run.started) +
                (run.finished > 0 ? ", took " + FormatDuration(run.finished - run.started) : "") +
                (run.auto_approved ? "; approvals were granted automatically" : "") + ".");
    std::vector<std::vector<std::string>> rows = {
        {"Step", "Phase", "Kind", "Status", "Started", "Took", "What happened"}};
    std::vector<std::string> verifications;
    for (const runbook::StepRecord& s : run.steps) {
      const bool ran = s.started > 0;
      std::string what = s.message;
      if (!s.command.empty()) what += (what.empty() ? "" : "; ") + ("ran: " + Join(s.command, " "));
      rows.push_back({s.name, s.phase, s.kind, std::string(StepStatusText(s.status)),
                      ran ? FormatTime(s.started) : "-",
                      ran && s.finished >= s.started ? FormatDuration(s.finished - s.started) : "-",
                      what});
      if (!s.verification.empty()) {
        verifications.push_back(s.name + ": " + s.verification + " -> " +
                                std::string(StepStatusText(s.status)) +
                                (s.output.empty() ? "" : " (last value " + s.output + ")"));
      }
    }
    Table(d, std::move(rows));
    if (!verifications.empty()) {
      Para(d, "Verification:");
      List(d, std::move(verifications));
    }
  }
}

void ImpactSection(Document& d, const ReportModel& m) {
  Heading(d, "Impact");
  const ReportInput& in = *m.in;
  if (!in.impact) {
    Para(d, "Impact " + ImpactLine(m) + ".");
    return;
  }
  const Impact& im = *in.impact;
  Fields f;
  f.Add("Window", FormatTime(im.start) + " to " + FormatTime(im.end) + " (" +
                      FormatDuration(im.end - im.start) + ")");
  f.Add("Requests", Count(im.requests) + ", of which " + Count(im.failed_requests) + " failed (" +
                        FormatPercent(im.requests ? double(im.failed_requests) / im.requests : 0) +
                        ")");
  f.Add("Users affected", Count(im.users_affected));
  f.Add("Failed checkouts", Count(im.failed_checkouts));
  const ImpactOptions& o = in.impact_options;
  f.Add("Estimated revenue impact",
        o.average_order_value > 0
            ? FormatMoney(im.revenue_impact, o.currency) + " (" + Count(im.failed_checkouts) +
                  " x " + FormatMoney(o.average_order_value, o.currency) + " average order value)"
            : "not estimated: no average order value configured");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", im.degraded_minutes);
  f.Add("Degraded minutes", std::string(buf) + " (error rate over 1% or p99 latency over 1 s)");
  d.blocks.push_back(std::move(f.b));
  if (!im.queries.empty()) {
    Para(d, "Counted with these Logs Insights queries over the window:");
    Code(d, Join(im.queries, "\n"));
  }
}

void Lessons(Document& d, const ReportModel& m) {
  Heading(d, "Lessons Learned");
  std::vector<std::vector<std::string>> rows = {{"Measure", "Took", "Target", "Met"}};
  for (const Timing& t : m.timings) {
    rows.push_back({t.name, t.ms ? FormatDuration(*t.ms) : "-", FormatDuration(t.target_ms),
                    t.ms ? (t.met() ? "yes" : "no") : "-"});
  }
  Table(d, std::move(rows));
  Heading(d, "What went well", 3);
  if (m.went_well.empty()) {
    Para(d, "Nothing stood out.");
  } else {
    List(d, m.went_well);
  }
  Heading(d, "What could be improved", 3);
  if (m.to_improve.empty()) {
    Para(d, "Nothing stood out.");
  } else {
    List(d, m.to_improve);
  }
}

void ActionItems(Document& d, const ReportModel& m) {
  Heading(d, "Action Items");
  if (m.action_items.empty()) {
    Para(d, "None.");
    return;
  }
  if (m.action_items_derived) Para(d, "Proposed from what happened (not yet stored):");
  Block& b = Add(d, Kind::kChecklist);
  for (const ActionItem& a : m.action_items) {
    b.items.push_back(a.id + ": " + a.text + (a.owner.empty() ? "" : " (owner: " + a.owner + ")"));
    b.checked.push_back(a.done);
  }
}

}  // namespace

Document BuildDocument(const ReportModel& m) {
  Document d;
  const incident::Incident& i = m.in->incident;
  d.title = "Post-incident report: " + i.id + " " + i.title;
  Summary(d, m);
  Timeline(d, m);
  RootCause(d, m);
  Resolution(d, m);
  ImpactSection(d, m);
  Lessons(d, m);
  ActionItems(d, m);
  if (m.in->generated_at > 0) {
    Para(d, "Generated by firewatch at " + FormatTime(m.in->generated_at) +
                " from the incident timeline.");
  }
  return d;
}

}  // namespace fw::report
