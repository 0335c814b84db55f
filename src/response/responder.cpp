#include "response/responder.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "report/records_json.h"

namespace fw::response {
namespace {

std::string Percent(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", x * 100);
  return buf;
}

bool Finished(runbook::StepStatus s) {
  return s == runbook::StepStatus::kSucceeded || s == runbook::StepStatus::kSkipped;
}

std::string StepLine(const runbook::StepRecord& s) {
  std::string text = s.name + ": " + std::string(report::StepStatusText(s.status));
  if (!s.message.empty()) text += " - " + s.message;
  return text;
}

}  // namespace

const char* CasePhaseName(CasePhase p) {
  switch (p) {
    case CasePhase::kRunning:
      return "running";
    case CasePhase::kWatching:
      return "watching";
    case CasePhase::kDone:
      return "done";
    case CasePhase::kEscalated:
      return "escalated";
  }
  return "?";
}

// Every runbook step, the moment it starts and ends, onto the timeline.
class Responder::TimelineWriter final : public runbook::RunObserver {
 public:
  explicit TimelineWriter(Responder& r) : r_(r) {}
  void OnStep(const runbook::RunRecord& run, const runbook::StepRecord& step) override {
    int index = -1;
    for (size_t i = 0; i < run.steps.size(); ++i) {
      if (&run.steps[i] == &step || run.steps[i].name == step.name) index = static_cast<int>(i);
    }
    const bool ended = step.status != runbook::StepStatus::kRunning &&
                       step.status != runbook::StepStatus::kPending;
    const std::string text = (ended ? "" : "started ") + StepLine(step);
    (void)r_.incidents_.RecordAction(run.incident_id, text,
                                     report::RunbookStepDetails(run, step, index),
                                     {r_.options_.actor, std::string(report::kRunbookSource)});
    if (!ended) return;
    for (auto& c : r_.cases_) {
      if (c->incident_id == run.incident_id) {
        r_.Say(*c, step.phase.empty() ? "STEP" : step.phase, StepLine(step),
               step.finished ? step.finished : step.started);
      }
    }
  }

 private:
  Responder& r_;
};

// Grants every gate at once, and says on the timeline that nobody was asked.
class Responder::AutoApprover final : public runbook::Approver {
 public:
  explicit AutoApprover(Responder& r) : r_(r) {}
  runbook::ApprovalState Check(const std::string& incident_id, const std::string& gate) override {
    if (granted_.insert(incident_id + "\n" + gate).second) {
      (void)r_.incidents_.AddNote(
          incident_id,
          "approval \"" + gate + "\" granted automatically: no human in the loop (demo)",
          {r_.options_.actor, "responder"});
    }
    return runbook::ApprovalState::kGranted;
  }

 private:
  Responder& r_;
  std::set<std::string> granted_;
};

Responder::Responder(incident::IncidentService& incidents, rca::EvidenceSources sources,
                     const metrics::promql::Queryable& metrics, const runbook::RunbookSet& runbooks,
                     runbook::ActionAdapter& adapter, ResponderOptions options,
                     ResponseObserver* observer)
    : incidents_(incidents),
      sources_(sources),
      metrics_(metrics),
      runbooks_(runbooks),
      adapter_(adapter),
      options_(std::move(options)),
      observer_(observer),
      timeline_(std::make_unique<TimelineWriter>(*this)),
      approver_(std::make_unique<AutoApprover>(*this)) {}

Responder::~Responder() = default;

bool Responder::idle() const {
  return std::none_of(cases_.begin(), cases_.end(), [](const auto& c) {
    return c->phase == CasePhase::kRunning || c->phase == CasePhase::kWatching;
  });
}

void Responder::Say(ResponseCase& c, const std::string& phase, const std::string& text,
                    Timestamp now) {
  if (observer_) observer_->OnEvent(c, phase, text, now);
}

void Responder::Tick(Timestamp now) {
  incident::IncidentFilter filter;
  filter.open_only = true;
  auto open = incidents_.List(filter);
  if (open) {
    for (const incident::Incident& inc : *open) {
      auto it = std::find_if(cases_.begin(), cases_.end(),
                             [&](const auto& c) { return c->incident_id == inc.id; });
      if (it == cases_.end()) {
        cases_.push_back(std::make_unique<ResponseCase>());
        cases_.back()->incident_id = inc.id;
        if (inc.state == incident::State::kMitigated) {
          // Mitigated before this responder saw it: a run was cut short (a
          // restart) or people acted. Repeating its actions could undo more
          // than anyone asked (a second rollback), so people decide.
          Escalate(*cases_.back(),
                   "the incident was already mitigated when this responder started (a restart "
                   "during the response?); its actions are not repeated automatically: verify "
                   "and resolve it, or start a runbook with `firewatch runbook run --server`",
                   now);
          continue;
        }
        if (RunbookRanBefore(inc.id)) {
          // A run began before this responder did: on this process before a
          // restart, or on the replica that led before a fail-over. Its
          // gates and steps are not known here, so nothing is repeated.
          Escalate(*cases_.back(),
                   "a runbook already acted on this incident before this responder took it over "
                   "(a restart or a fail-over to another replica); its actions are not repeated "
                   "automatically: check its steps on the timeline, then resolve it or start a "
                   "runbook with `firewatch runbook run --server`",
                   now);
          continue;
        }
        Begin(*cases_.back(), inc, now);
      } else if (((*it)->phase == CasePhase::kWatching || (*it)->phase == CasePhase::kDone) &&
                 inc.state == incident::State::kTriggered) {
        Say(**it, "RECURRED", inc.id + " reopened: the problem came back", now);
        (*it)->phase = CasePhase::kRunning;
        Begin(**it, inc, now);
      }
    }
  }
  for (auto& c : cases_) {
    if (c->phase == CasePhase::kRunning && c->execution) Advance(*c, now);
    if (c->phase == CasePhase::kWatching && now >= c->watch_until) {
      (void)incidents_.AddNote(c->incident_id,
                               "no recurrence within " + FormatDuration(options_.recovery_watch) +
                                   " of resolution: response complete",
                               {options_.actor, "responder"});
      c->phase = CasePhase::kDone;
      Say(*c, "DONE", "no recurrence within " + FormatDuration(options_.recovery_watch), now);
    }
  }
}

const runbook::Runbook* Responder::Choose(const rca::Analysis& a,
                                          const incident::Incident& inc) const {
  const LabelSet labels = inc.alerts.empty() ? LabelSet() : inc.alerts.front().labels;
  for (const rca::Hypothesis& h : a.hypotheses) {
    if (h.confidence < options_.min_confidence) break;
    const runbook::Runbook* rb = runbooks_.Find(h.runbook.empty() ? h.category : h.runbook);
    if (rb && runbook::Applies(*rb, h.category, labels)) return rb;
  }
  return nullptr;
}

namespace {

// The variables a runbook's templates see: the incident, the hypothesis it
// was chosen for, the suspect change, and the first alert's labels.
std::map<std::string, std::string> RunVars(const incident::Incident& inc,
                                           const rca::Hypothesis& h) {
  std::map<std::string, std::string> v;
  v["incident.id"] = inc.id;
  v["incident.title"] = inc.title;
  v["incident.severity"] = std::string(incident::SeverityName(inc.severity));
  v["hypothesis.category"] = h.category;
  v["hypothesis.confidence"] = Percent(h.confidence);
  if (h.suspect_change) {
    const rca::SuspectChange& s = *h.suspect_change;
    v["suspect.service"] = s.service;
    v["suspect.version"] = s.version;
    v["suspect.previous_version"] = s.previous_version;
    v["suspect.who"] = s.who;
    v["suspect.type"] = s.type;
    v["suspect.time"] = FormatRfc3339Millis(s.time);
  }
  for (const auto& [name, value] : h.facts) v[name] = value;
  if (!inc.alerts.empty()) {
    for (const Label& l : inc.alerts.front().labels.labels()) v["labels." + l.name] = l.value;
  }
  // Alerts aggregated over a whole service carry only its job: the service
  // a runbook acts on is the incident's, else the job's.
  if (!v.count("labels.service")) {
    if (!inc.services.empty()) {
      v["labels.service"] = inc.services[0];
    } else if (v.count("labels.job")) {
      v["labels.service"] = v["labels.job"];
    } else if (h.suspect_change && !h.suspect_change->service.empty()) {
      v["labels.service"] = h.suspect_change->service;
    }
  }
  return v;
}

}  // namespace

rca::AnalysisWindow AnalysisWindowFor(const incident::Incident& inc, Timestamp now) {
  rca::AnalysisWindow window;
  window.onset = inc.created_at;
  for (const incident::LinkedAlert& a : inc.alerts) {
    if (a.first_seen > 0) window.onset = std::min(window.onset, a.first_seen);
  }
  window.now = now;
  window.services = inc.services;
  return window;
}

bool Responder::RunbookRanBefore(const std::string& incident_id) const {
  auto timeline = incidents_.Timeline(incident_id);
  if (!timeline) return false;
  return std::ranges::any_of(*timeline, [](const incident::TimelineEntry& e) {
    return e.kind == incident::EntryKind::kAction && e.source == report::kRunbookSource;
  });
}

void Responder::Begin(ResponseCase& c, const incident::Incident& inc, Timestamp now) {
  const incident::Who who{options_.actor, "responder"};
  if (++c.attempts > options_.max_attempts) {
    return Escalate(c, "the problem came back " + std::to_string(c.attempts - 1) + " times", now);
  }
  if (inc.state == incident::State::kTriggered && options_.acknowledge) {
    (void)incidents_.Acknowledge(inc.id, who);
    if (!c.acknowledged) c.acknowledged = now;
    Say(c, "ACK", inc.id + " acknowledged by the responder; gathering evidence", now);
  }
  auto analysis = options_.analyze(sources_, AnalysisWindowFor(inc, now));
  if (!analysis) return Escalate(c, "analysis failed: " + analysis.error().ToString(), now);
  c.analysis = std::move(*analysis);
  c.analysed = now;
  const rca::Analysis& a = *c.analysis;
  std::string ranked;
  for (size_t i = 0; i < a.hypotheses.size() && i < 3; ++i) {
    const rca::Hypothesis& h = a.hypotheses[i];
    ranked += (i ? ", " : "") + h.category + " " + Percent(h.confidence);
    if (h.suspect_change) ranked += " (suspect " + h.suspect_change->version + ")";
  }
  (void)incidents_.AddNote(inc.id, "root-cause analysis: " + ranked,
                           {options_.actor, std::string(report::kRcaSource)},
                           report::AnalysisDetails(a));
  Say(c, "RCA", ranked, now);
  if (a.hypotheses.empty() || a.hypotheses.front().confidence < options_.min_confidence) {
    return Escalate(c,
                    "the analysis is not sure enough to act on (" +
                        (ranked.empty() ? std::string("no hypothesis") : ranked) +
                        "; acting needs " + Percent(options_.min_confidence) + ")",
                    now);
  }
  if (!a.decisive) {
    return Escalate(c, "the analysis cannot tell the cause apart (" + a.undecided + ")", now);
  }
  const runbook::Runbook* rb = Choose(a, inc);
  if (!rb) return Escalate(c, "no runbook applies to the likely causes (" + ranked + ")", now);
  const rca::Hypothesis& top =
      *std::find_if(a.hypotheses.begin(), a.hypotheses.end(), [&](const rca::Hypothesis& h) {
        return (h.runbook.empty() ? h.category : h.runbook) == rb->name;
      });
  (void)incidents_.AddNote(inc.id, "proposing runbook " + rb->name + " for " + top.category, who);
  Run(c, inc, *rb, &top, now);
}

// The runbook with the approval policy's gates: one before the first step,
// or one before every action step.
std::unique_ptr<runbook::Runbook> Responder::Plan(const runbook::Runbook& rb) const {
  auto plan = std::make_unique<runbook::Runbook>(rb);
  if (options_.auto_approve || !options_.approver) return plan;
  if (options_.gates == ApprovalGates::kRunbook) {
    plan->requires_approval = true;
    plan->approval_timeout = options_.approval_timeout;
    return plan;
  }
  std::vector<runbook::Step> steps;
  for (const runbook::Step& s : rb.steps) {
    if (s.kind == runbook::StepKind::kAction) {
      runbook::Step gate;
      gate.name = "approve: " + s.name;
      gate.kind = runbook::StepKind::kApprove;
      gate.phase = s.phase;
      gate.when = s.when;
      gate.timeout = options_.approval_timeout;
      gate.on_failure = runbook::OnFailure::kEscalate;
      gate.line = s.line;
      steps.push_back(std::move(gate));
    }
    steps.push_back(s);
  }
  plan->steps = std::move(steps);
  return plan;
}

void Responder::Run(ResponseCase& c, const incident::Incident& inc, const runbook::Runbook& rb,
                    const rca::Hypothesis* top, Timestamp now) {
  c.runbook = rb.name;
  c.plan = Plan(rb);
  Say(c, "RUNBOOK", rb.name + (options_.dry_run ? " (dry run)" : ""), now);
  runbook::ExecutionOptions eo;
  eo.dry_run = options_.dry_run;
  eo.vars = RunVars(inc, top ? *top : rca::Hypothesis{});
  for (const auto& [k, v] : options_.vars) eo.vars.try_emplace(k, v);
  runbook::Approver* approver = options_.auto_approve ? approver_.get() : options_.approver;
  c.execution = std::make_unique<runbook::Execution>(*c.plan, inc.id, adapter_, metrics_, approver,
                                                     timeline_.get(), std::move(eo));
  c.phase = CasePhase::kRunning;
  Advance(c, now);
}

const ResponseCase* Responder::Find(const std::string& incident_id) const {
  for (const auto& c : cases_) {
    if (c->incident_id == incident_id) return c.get();
  }
  return nullptr;
}

Result<void> Responder::StartRunbook(const std::string& incident_id,
                                     const std::string& runbook_name, const std::string& who,
                                     Timestamp now) {
  auto inc = incidents_.Get(incident_id);
  if (!inc) return Fail(inc.error());
  if (!inc->IsOpen()) {
    return Fail(ErrorCode::kInvalidArgument, incident_id + " is " +
                                                 std::string(incident::StateName(inc->state)) +
                                                 ": runbooks run on open incidents");
  }
  const runbook::Runbook* rb = runbooks_.Find(runbook_name);
  if (!rb) return Fail(ErrorCode::kNotFound, "no runbook named \"" + runbook_name + "\"");
  auto it = std::find_if(cases_.begin(), cases_.end(),
                         [&](const auto& c) { return c->incident_id == incident_id; });
  if (it == cases_.end()) {
    cases_.push_back(std::make_unique<ResponseCase>());
    cases_.back()->incident_id = incident_id;
    it = std::prev(cases_.end());
  }
  ResponseCase& c = **it;
  if (c.execution) {
    return Fail(ErrorCode::kInvalidArgument,
                incident_id + " already runs runbook " + c.runbook + "; wait for it to end");
  }
  ++c.attempts;
  (void)incidents_.AddNote(incident_id, "runbook " + rb->name + " started by " + who, {who, "api"});
  const rca::Hypothesis* top = nullptr;
  if (c.analysis) {
    for (const rca::Hypothesis& h : c.analysis->hypotheses) {
      if ((h.runbook.empty() ? h.category : h.runbook) == rb->name) top = &h;
    }
  }
  Run(c, *inc, *rb, top, now);
  return {};
}

void Responder::Advance(ResponseCase& c, Timestamp now) {
  const runbook::RunStatus status = c.execution->Advance(now);
  const runbook::RunRecord& run = c.execution->record();
  bool any_containment = false, contained = true;
  for (const runbook::StepRecord& s : run.steps) {
    if (s.phase != "containment") continue;
    any_containment = true;
    if (s.started && !c.containment_started) c.containment_started = s.started;
    contained = contained && Finished(s.status);
  }
  const incident::Who who{options_.actor, "responder"};
  if (!c.mitigated &&
      ((any_containment && contained) || status == runbook::RunStatus::kSucceeded)) {
    if (incidents_.Mitigate(c.incident_id, who)) {
      c.mitigated = now;
      Say(c, "MITIGATED", "containment steps succeeded; the bleeding is stopped", now);
    }
  }
  if (!c.execution->finished()) return;
  // The run's final status goes on the timeline with its last step, so a
  // report rebuilt from the timeline alone sees how the run ended.
  for (size_t i = run.steps.size(); i-- > 0;) {
    if (run.steps[i].status == runbook::StepStatus::kPending) continue;
    (void)incidents_.RecordAction(
        c.incident_id, "runbook " + run.runbook + " " + std::string(report::RunStatusText(status)),
        report::RunbookStepDetails(run, run.steps[i], static_cast<int>(i)),
        {options_.actor, std::string(report::kRunbookSource)});
    break;
  }
  c.runs.push_back(run);
  c.execution.reset();
  if (status != runbook::RunStatus::kSucceeded) {
    std::string where;
    for (const runbook::StepRecord& s : c.runs.back().steps) {
      if (s.status == runbook::StepStatus::kFailed) where = " at step " + StepLine(s);
    }
    return Escalate(
        c, "runbook " + c.runbook + " ended " + std::string(report::RunStatusText(status)) + where,
        now);
  }
  Finish(c, now);
}

void Responder::Finish(ResponseCase& c, Timestamp now) {
  if (auto r = incidents_.Resolve(c.incident_id, {options_.actor, "responder"}); !r) {
    return Escalate(c, "cannot resolve: " + r.error().ToString(), now);
  }
  c.resolved = now;
  c.watch_until = now + options_.recovery_watch.count();
  c.phase = CasePhase::kWatching;
  Say(c, "RESOLVED",
      "runbook " + c.runbook + " succeeded, recovery verified; watching " +
          FormatDuration(options_.recovery_watch) + " for recurrence",
      now);
}

void Responder::Escalate(ResponseCase& c, const std::string& why, Timestamp now) {
  c.phase = CasePhase::kEscalated;
  (void)incidents_.AddNote(c.incident_id, "escalating to humans: " + why,
                           {options_.actor, "responder"});
  Say(c, "ESCALATE", why, now);
  if (options_.on_escalate) options_.on_escalate(c.incident_id, why);
}

}  // namespace fw::response
