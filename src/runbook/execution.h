#pragma once
// Running one runbook against one incident. An Execution is a state machine
// advanced by its owner on the Clock's time: Advance(now) does every step
// that is due (runs an action through the adapter, checks a verification,
// looks at an approval gate) and returns without sleeping, so the same code
// runs in real time in the server and in simulated time in the demo and the
// tests. Every step's outcome goes to the observer (the incident timeline)
// the moment it is known.
//
// Contract of the types shared with the responder and the report
// (src/response, src/report): RunRecord is the complete, final story of a
// run; StepRecord::phase says which part of the classic response a step is
// (containment, resolution, recovery), so the report can say when each began.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw::metrics::promql {
class Queryable;
}

namespace fw::runbook {

struct Runbook;  // runbook.h

// An action as a runbook step asks for it, arguments already templated.
struct ActionCall {
  std::string action;                       // "rollback", "scale_out", "kill_db_connections", ...
  std::map<std::string, std::string> args;  // "service", "replicas", "instance", ...
};

struct ActionOutcome {
  bool ok = false;
  std::string output;                // what the adapter reported (stdout, HTTP body, sim message)
  std::vector<std::string> command;  // the exact argv (exec) or "POST url" (http); may be empty
  Timestamp effective_at = 0;        // when the effect is complete, if the adapter knows
};

// Where actions land: the simulated production, argv commands, or HTTP.
class ActionAdapter {
 public:
  virtual ~ActionAdapter() = default;
  virtual std::string name() const = 0;  // "sim", "exec", "http"
  // dry_run: say exactly what would be done (ok = true, command filled), do nothing.
  virtual Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) = 0;
};

enum class ApprovalState { kPending, kGranted, kDenied };

// Answers approval gates. The demo grants everything at once and says so.
class Approver {
 public:
  virtual ~Approver() = default;
  virtual ApprovalState Check(const std::string& incident_id, const std::string& gate) = 0;
  // True when answers come without a human (the run is marked auto_approved).
  virtual bool automatic() const { return false; }
};

// Grants every gate at once, and says so (RunRecord::auto_approved). For the
// demo and for `runbook run --auto-approve`.
class AutoApprover final : public Approver {
 public:
  ApprovalState Check(const std::string&, const std::string&) override {
    return ApprovalState::kGranted;
  }
  bool automatic() const override { return true; }
};

enum class StepStatus { kPending, kRunning, kSucceeded, kFailed, kSkipped, kReverted };
enum class RunStatus { kRunning, kWaitingApproval, kSucceeded, kFailed, kEscalated };

const char* StepStatusName(StepStatus s);  // "succeeded"
const char* RunStatusName(RunStatus s);    // "waiting_approval"

struct StepRecord {
  std::string name;   // the step's name from the runbook
  std::string kind;   // action, wait, verify, approve, notify
  std::string phase;  // containment, resolution, recovery
  StepStatus status = StepStatus::kPending;
  Timestamp started = 0, finished = 0;
  std::string action;                // for actions: the action's name
  std::vector<std::string> command;  // for actions: what ran (argv, request)
  std::string output;                // action output, or the verification's last value
  std::string verification;          // for verify steps: the PromQL condition
  std::string message;               // one line for the timeline: what happened and why
};

struct RunRecord {
  std::string runbook;      // name
  std::string incident_id;  // may be empty (dry runs from the CLI)
  std::string adapter;      // the adapter's name
  bool dry_run = false;
  bool auto_approved = false;  // approvals were granted without a human
  RunStatus status = RunStatus::kRunning;
  Timestamp started = 0, finished = 0;
  std::vector<StepRecord> steps;  // in runbook order, including pending ones
  std::string message;            // why the run ended as it did ("" while running)
};

// Told about every step the moment it starts and the moment it ends.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnStep(const RunRecord& run, const StepRecord& step) = 0;
};

struct ExecutionOptions {
  bool dry_run = false;
  // Variables for templates ({{ .incident.id }}, {{ .hypothesis.category }},
  // {{ .suspect.version }}, {{ .labels.service }} ...), flattened: "incident.id" -> "INC-7".
  std::map<std::string, std::string> vars;
};

class Execution {
 public:
  // REQUIRES: runbook, adapter and metrics outlive the execution; approver and
  // observer may be null (no approver: gates are denied when reached).
  Execution(const Runbook& runbook, std::string incident_id, ActionAdapter& adapter,
            const metrics::promql::Queryable& metrics, Approver* approver, RunObserver* observer,
            ExecutionOptions options);
  ~Execution();

  // Does all work due at `now` and returns the status after it. Callers call
  // it again at NextWake() or sooner (new samples); calling early is harmless.
  RunStatus Advance(Timestamp now);
  // The earliest time Advance has something to do; nullopt once finished.
  std::optional<Timestamp> NextWake() const;
  bool finished() const;
  const RunRecord& record() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::runbook
