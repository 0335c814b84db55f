// The runbook state machine. One step is "current"; Advance runs it as far as
// `now` allows and moves on, so several instant steps (actions, notices) may
// complete in one call while a wait, a verification or an approval gate
// holds the run until a later call. Verifications are evaluated on their own
// schedule (start + k * interval), catching up when Advance comes late, so a
// run's outcome does not depend on how often its owner calls.

#include "runbook/execution.h"

#include <algorithm>

#include "runbook/promql_eval.h"
#include "runbook/runbook.h"

namespace fw::runbook {
namespace {

constexpr Timestamp kApprovalPollMs = 10'000;

enum class Progress { kDone, kFailed, kWaiting };

}  // namespace

const char* StepStatusName(StepStatus s) {
  switch (s) {
    case StepStatus::kPending:
      return "pending";
    case StepStatus::kRunning:
      return "running";
    case StepStatus::kSucceeded:
      return "succeeded";
    case StepStatus::kFailed:
      return "failed";
    case StepStatus::kSkipped:
      return "skipped";
    case StepStatus::kReverted:
      return "reverted";
  }
  return "?";
}

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kWaitingApproval:
      return "waiting_approval";
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kEscalated:
      return "escalated";
  }
  return "?";
}

struct Execution::Impl {
  const Runbook& rb;
  ActionAdapter& adapter;
  const metrics::promql::Queryable& metrics;
  Approver* approver;
  RunObserver* observer;
  ExecutionOptions opt;
  RunRecord rec;
  Vars vars;
  std::vector<const Step*> plan;  // parallel to rec.steps; null = approval to run
  size_t cur = 0;
  std::optional<Timestamp> wake;
  // The current verification's schedule.
  Timestamp next_eval = 0;
  Timestamp hold_since = -1;
  std::vector<size_t> done_actions;  // succeeded action steps, for revert

  Impl(const Runbook& r, ActionAdapter& a, const metrics::promql::Queryable& m, Approver* ap,
       RunObserver* o, ExecutionOptions op)
      : rb(r), adapter(a), metrics(m), approver(ap), observer(o), opt(std::move(op)) {}

  void Notify(size_t i) {
    if (observer) observer->OnStep(rec, rec.steps[i]);
  }
  void Finish(RunStatus s, Timestamp now, std::string why) {
    rec.status = s;
    rec.finished = now;
    rec.message = std::move(why);
    wake.reset();
  }
  void Init(const std::string& incident_id);
  bool ShouldSkip(const Step& s, Timestamp now, std::string& why);
  Progress Run(size_t i, Timestamp now);
  Progress RunAction(const Step& s, StepRecord& sr);
  Progress RunVerify(const Step& s, StepRecord& sr, Timestamp now);
  Progress RunApprove(const std::string& gate, Millis timeout, StepRecord& sr, Timestamp now);
  Progress RunQuery(const Step& s, StepRecord& sr, Timestamp now);
  void HandleFailure(const Step* s, Timestamp now);
  bool Revert(Timestamp now);
};

void Execution::Impl::Init(const std::string& incident_id) {
  rec.runbook = rb.name;
  rec.incident_id = incident_id;
  rec.adapter = adapter.name();
  rec.dry_run = opt.dry_run;
  vars = rb.vars;
  for (const auto& [k, v] : opt.vars) vars[k] = v;
  vars["runbook.name"] = rb.name;
  if (vars["incident.id"].empty()) vars["incident.id"] = incident_id;
  if (rb.requires_approval) {
    StepRecord gate;
    gate.name = "approval to run " + rb.name;
    gate.kind = "approve";
    gate.phase = rb.steps.empty() ? "containment" : rb.steps.front().phase;
    rec.steps.push_back(gate);
    plan.push_back(nullptr);
  }
  for (const Step& s : rb.steps) {
    StepRecord sr;
    sr.name = s.name;
    sr.kind = StepKindName(s.kind);
    sr.phase = s.phase;
    if (s.kind == StepKind::kAction) sr.action = s.action.action;
    if (s.kind == StepKind::kVerify) sr.verification = s.expr.text();
    rec.steps.push_back(std::move(sr));
    plan.push_back(&s);
  }
}

bool Execution::Impl::ShouldSkip(const Step& s, Timestamp now, std::string& why) {
  for (const std::string& v : s.when.set) {
    if (auto it = vars.find(v); it == vars.end() || it->second.empty()) {
      why = "skipped: ." + v + " is not set";
      return true;
    }
  }
  for (const std::string& v : s.when.unset) {
    if (auto it = vars.find(v); it != vars.end() && !it->second.empty()) {
      why = "skipped: ." + v + " is set (" + it->second + ")";
      return true;
    }
  }
  if (s.when.promql.empty() || opt.dry_run) return false;
  auto holds = EvalCondition(metrics, s.when.promql, vars, now);
  if (!holds) {
    why = "skipped: condition could not be evaluated: " + holds.error().message();
    return true;
  }
  if (!holds->holds) why = "skipped: condition " + s.when.promql + " returned nothing";
  return !holds->holds;
}

Progress Execution::Impl::RunAction(const Step& s, StepRecord& sr) {
  auto call = RenderCall(s.action, vars);
  if (!call) {
    sr.message = "cannot build the " + s.action.action + " call: " + call.error().message();
    return Progress::kFailed;
  }
  auto out = adapter.Run(*call, opt.dry_run);
  if (!out) {
    sr.message = s.action.action + " failed: " + out.error().message();
    return Progress::kFailed;
  }
  sr.command = out->command;
  sr.output = out->output;
  if (!out->ok) {
    sr.message = s.action.action + " refused: " + out->output;
    return Progress::kFailed;
  }
  sr.message = (opt.dry_run ? "dry run: would run " : "") + s.action.action +
               (out->output.empty() ? "" : ": " + out->output);
  if (out->effective_at > sr.started && !opt.dry_run) {
    sr.message += " (effect complete by " + FormatRfc3339Millis(out->effective_at) + ")";
  }
  return Progress::kDone;
}

Progress Execution::Impl::RunVerify(const Step& s, StepRecord& sr, Timestamp now) {
  if (opt.dry_run) {
    sr.message = "dry run: would verify " + s.expr.RenderLoose(vars) + " holds for " +
                 FormatDuration(s.hold_for) + " within " + FormatDuration(s.timeout);
    return Progress::kDone;
  }
  const Timestamp deadline = sr.started + s.timeout.count();
  while (next_eval <= now) {
    const Timestamp t = next_eval;
    next_eval += s.interval.count();
    auto r = EvalCondition(metrics, s.expr, vars, t);
    if (!r) {
      sr.message = "verification query failed: " + r.error().message();
      return Progress::kFailed;
    }
    sr.output = r->summary;
    sr.verification = r->query;
    if (r->holds) {
      if (hold_since < 0) hold_since = t;
      if (t - hold_since >= s.hold_for.count()) {
        sr.message = "held for " + FormatDuration(Millis(t - hold_since)) + ": " + r->summary;
        return Progress::kDone;
      }
    } else {
      hold_since = -1;
    }
    if (t >= deadline) {
      sr.message = "did not hold for " + FormatDuration(s.hold_for) + " within " +
                   FormatDuration(s.timeout) + "; last: " + r->summary;
      return Progress::kFailed;
    }
  }
  wake = std::min(next_eval, std::max(deadline, now));
  return Progress::kWaiting;
}

Progress Execution::Impl::RunApprove(const std::string& gate, Millis timeout, StepRecord& sr,
                                     Timestamp now) {
  if (opt.dry_run) {
    sr.message = "dry run: would ask for approval (" + gate + ")";
    return Progress::kDone;
  }
  if (!approver) {
    sr.message = "denied: nobody can approve here (no approver configured)";
    return Progress::kFailed;
  }
  switch (approver->Check(rec.incident_id, gate)) {
    case ApprovalState::kGranted:
      rec.auto_approved = rec.auto_approved || approver->automatic();
      sr.message = approver->automatic() ? "approved automatically" : "approved";
      return Progress::kDone;
    case ApprovalState::kDenied:
      sr.message = "denied";
      return Progress::kFailed;
    case ApprovalState::kPending:
      break;
  }
  const Timestamp deadline = sr.started + timeout.count();
  if (now >= deadline) {
    sr.message = "no answer within " + FormatDuration(timeout);
    return Progress::kFailed;
  }
  sr.message = "waiting for approval";
  wake = std::min(deadline, now + kApprovalPollMs);
  return Progress::kWaiting;
}

Progress Execution::Impl::RunQuery(const Step& s, StepRecord& sr, Timestamp now) {
  if (opt.dry_run) {
    std::string names;
    for (const auto& [var, src] : s.capture) {
      vars[var] = "<" + var + ">";
      names += (names.empty() ? "" : ", ") + var;
    }
    sr.message = "dry run: would query " + s.expr.RenderLoose(vars) + " for " + names;
    return Progress::kDone;
  }
  auto r = EvalCapture(metrics, s.expr, s.capture, vars, now);
  if (!r) {
    sr.message = r.error().message();
    return Progress::kFailed;
  }
  sr.output = *r;
  sr.message = "captured " + *r;
  return Progress::kDone;
}

Progress Execution::Impl::Run(size_t i, Timestamp now) {
  StepRecord& sr = rec.steps[i];
  const Step* s = plan[i];
  if (!s) return RunApprove(sr.name, rb.approval_timeout, sr, now);
  switch (s->kind) {
    case StepKind::kAction:
      return RunAction(*s, sr);
    case StepKind::kWait:
      if (opt.dry_run || now >= sr.started + s->wait.count()) {
        sr.message = (opt.dry_run ? "dry run: would wait " : "waited ") + FormatDuration(s->wait);
        return Progress::kDone;
      }
      wake = sr.started + s->wait.count();
      return Progress::kWaiting;
    case StepKind::kVerify:
      return RunVerify(*s, sr, now);
    case StepKind::kApprove: {
      Progress p = RunApprove(sr.name, s->timeout, sr, now);
      if (p != Progress::kWaiting) sr.message += ": " + s->message.RenderLoose(vars);
      return p;
    }
    case StepKind::kNotify:
      // A notice never stops a response: a missing variable shows as <name>.
      sr.message = s->message.RenderLoose(vars);
      sr.output = s->channel;
      return Progress::kDone;
    case StepKind::kQuery:
      return RunQuery(*s, sr, now);
  }
  return Progress::kFailed;
}

// Undoes completed actions that declare `revert`, newest first. False when
// one of the reverts failed (the system is in an unknown state).
bool Execution::Impl::Revert(Timestamp now) {
  bool all_ok = true;
  for (auto it = done_actions.rbegin(); it != done_actions.rend(); ++it) {
    const Step* s = plan[*it];
    if (!s->revert) continue;
    StepRecord& sr = rec.steps[*it];
    auto call = RenderCall(*s->revert, vars);
    Result<ActionOutcome> out = call ? adapter.Run(*call, opt.dry_run) : Fail(call.error());
    if (out && out->ok) {
      sr.status = StepStatus::kReverted;
      sr.message +=
          "; reverted with " + s->revert->action + (out->output.empty() ? "" : ": " + out->output);
    } else {
      all_ok = false;
      sr.message += "; revert " + s->revert->action +
                    " FAILED: " + (out ? out->output : out.error().message());
    }
    sr.finished = now;
    Notify(*it);
  }
  done_actions.clear();
  return all_ok;
}

void Execution::Impl::HandleFailure(const Step* s, Timestamp now) {
  const OnFailure policy = s ? s->on_failure : OnFailure::kStop;
  const std::string step = rec.steps[cur].name;
  switch (policy) {
    case OnFailure::kContinue:
      return;
    case OnFailure::kStop:
      return Finish(RunStatus::kFailed, now, "step \"" + step + "\" failed");
    case OnFailure::kEscalate:
      return Finish(RunStatus::kEscalated, now,
                    "step \"" + step + "\" failed; escalated to a human");
    case OnFailure::kRevert:
      if (Revert(now)) {
        return Finish(RunStatus::kFailed, now, "step \"" + step + "\" failed; reverted");
      }
      return Finish(RunStatus::kEscalated, now,
                    "step \"" + step + "\" failed and a revert failed too; escalated");
  }
}

Execution::Execution(const Runbook& runbook, std::string incident_id, ActionAdapter& adapter,
                     const metrics::promql::Queryable& metrics, Approver* approver,
                     RunObserver* observer, ExecutionOptions options)
    : impl_(std::make_unique<Impl>(runbook, adapter, metrics, approver, observer,
                                   std::move(options))) {
  impl_->Init(incident_id);
}

Execution::~Execution() = default;

RunStatus Execution::Advance(Timestamp now) {
  Impl& m = *impl_;
  if (finished()) return m.rec.status;
  if (m.rec.started == 0) m.rec.started = now;
  m.wake.reset();
  while (!finished()) {
    if (m.cur >= m.plan.size()) {
      m.Finish(RunStatus::kSucceeded, now, "every step succeeded");
      break;
    }
    StepRecord& sr = m.rec.steps[m.cur];
    const Step* s = m.plan[m.cur];
    if (sr.status == StepStatus::kPending) {
      sr.started = now;
      std::string why;
      if (s && m.ShouldSkip(*s, now, why)) {
        sr.status = StepStatus::kSkipped;
        sr.finished = now;
        sr.message = why;
        m.Notify(m.cur++);
        continue;
      }
      sr.status = StepStatus::kRunning;
      m.next_eval = now;
      m.hold_since = -1;
      m.Notify(m.cur);
    }
    const Progress p = m.Run(m.cur, now);
    if (p == Progress::kWaiting) {
      const bool gate = !s || s->kind == StepKind::kApprove;
      m.rec.status = gate ? RunStatus::kWaitingApproval : RunStatus::kRunning;
      break;
    }
    m.rec.status = RunStatus::kRunning;
    sr.status = p == Progress::kDone ? StepStatus::kSucceeded : StepStatus::kFailed;
    sr.finished = now;
    if (p == Progress::kDone && s && s->kind == StepKind::kAction) m.done_actions.push_back(m.cur);
    m.Notify(m.cur);
    if (p == Progress::kFailed) m.HandleFailure(s, now);
    ++m.cur;
  }
  return m.rec.status;
}

std::optional<Timestamp> Execution::NextWake() const {
  if (finished()) return std::nullopt;
  return impl_->wake ? impl_->wake : std::optional<Timestamp>(impl_->rec.started);
}

bool Execution::finished() const {
  const RunStatus s = impl_->rec.status;
  return s != RunStatus::kRunning && s != RunStatus::kWaitingApproval;
}

const RunRecord& Execution::record() const { return impl_->rec; }

}  // namespace fw::runbook
