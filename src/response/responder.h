#pragma once
// Responder: runs the response to every open incident, as an on-call SRE
// following the classic phases would. When an incident opens it
// acknowledges it, gathers evidence and ranks root-cause hypotheses
// (src/rca), picks the runbook the top applicable hypothesis recommends and
// runs it (src/runbook) with every step on the incident's timeline; it marks
// the incident mitigated once the containment steps succeeded and resolved
// once the whole runbook, recovery checks included, succeeded; then it
// watches for recurrence and starts over if the incident reopens. A failed
// or missing runbook ends in escalation to humans, said on the timeline.
//
// Driven by Tick(now) on the Clock's time, never sleeping: the server calls
// it from a loop, the demo after every simulated step. Not thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "incident/service.h"
#include "rca/analysis.h"
#include "runbook/execution.h"
#include "runbook/runbook.h"

namespace fw::response {

// How evidence becomes ranked hypotheses: rca::Analyze, or a stand-in in tests.
using AnalyzeFn =
    std::function<Result<rca::Analysis>(const rca::EvidenceSources&, const rca::AnalysisWindow&)>;

// Where the responder asks for approval when it does not grant itself.
enum class ApprovalGates {
  kRunbook,  // once, before the runbook's first step
  kActions,  // before every action step
};

struct ResponderOptions {
  AnalyzeFn analyze = rca::Analyze;
  // Approval gates are granted without a human (the demo), and each grant
  // says so on the timeline. Otherwise a gate waits for `approver` (null:
  // only the runbook's own gates, and they are denied).
  bool auto_approve = false;
  runbook::Approver* approver = nullptr;
  ApprovalGates gates = ApprovalGates::kRunbook;
  Millis approval_timeout{15 * 60'000};  // an unanswered gate escalates to humans
  // Below this, the top hypothesis gets no runbook: humans are paged.
  double min_confidence = 0.2;
  // The responder acknowledges incidents it takes on (the demo). A server
  // leaves that to the people it pages, so escalation keeps paging them.
  bool acknowledge = true;
  // Called when the responder hands an incident to humans (pages them).
  std::function<void(const std::string& incident_id, const std::string& why)> on_escalate;
  bool dry_run = false;
  Millis recovery_watch{10 * 60'000};  // after resolution: watch for recurrence
  int max_attempts = 3;                // responses to one incident before escalating
  std::string actor = "firewatch";
  // Defaults for runbook variables the incident does not provide
  // ("labels.service" for alerts aggregated over the whole fleet).
  std::map<std::string, std::string> vars;
};

// The window an incident is analysed over: from its onset (the earliest of
// its creation and its alerts' first sighting) to `now`, its services.
rca::AnalysisWindow AnalysisWindowFor(const incident::Incident& inc, Timestamp now);

enum class CasePhase { kRunning, kWatching, kDone, kEscalated };
const char* CasePhaseName(CasePhase p);

// One incident's response, as it stands.
struct ResponseCase {
  std::string incident_id;
  CasePhase phase = CasePhase::kRunning;
  int attempts = 0;  // analyses + runs so far (1 + recurrences)
  Timestamp acknowledged = 0, analysed = 0, containment_started = 0, mitigated = 0, resolved = 0,
            watch_until = 0;
  std::optional<rca::Analysis> analysis;   // the latest
  std::string runbook;                     // chosen for the latest attempt
  std::unique_ptr<runbook::Runbook> plan;  // the runbook as run, approval gates included
  std::unique_ptr<runbook::Execution> execution;
  std::vector<runbook::RunRecord> runs;  // finished runs, oldest first
};

// Narration of what the responder does (the demo's terminal).
class ResponseObserver {
 public:
  virtual ~ResponseObserver() = default;
  virtual void OnEvent(const ResponseCase& c, const std::string& phase, const std::string& text,
                       Timestamp at) = 0;
};

class Responder {
 public:
  // REQUIRES: every reference outlives the responder; observer may be null.
  Responder(incident::IncidentService& incidents, rca::EvidenceSources sources,
            const metrics::promql::Queryable& metrics, const runbook::RunbookSet& runbooks,
            runbook::ActionAdapter& adapter, ResponderOptions options,
            ResponseObserver* observer = nullptr);
  ~Responder();

  // Picks up newly opened (or reopened) incidents and advances every response.
  void Tick(Timestamp now);
  // Runs `runbook` on an open incident now (a human's choice), under the
  // same approval policy. kNotFound for an unknown incident or runbook;
  // kInvalidArgument when a run of that incident is in progress.
  Result<void> StartRunbook(const std::string& incident_id, const std::string& runbook,
                            const std::string& who, Timestamp now);
  const ResponseCase* Find(const std::string& incident_id) const;
  // A new policy (config reload): runs in flight finish under the old one's
  // approver and variables; later decisions use the new one.
  void set_options(ResponderOptions options) { options_ = std::move(options); }
  const std::vector<std::unique_ptr<ResponseCase>>& cases() const { return cases_; }
  // No response running or watching.
  bool idle() const;

 private:
  class TimelineWriter;
  class AutoApprover;
  // Whether the incident's timeline shows a runbook's steps (a run this
  // responder did not start).
  bool RunbookRanBefore(const std::string& incident_id) const;
  void Begin(ResponseCase& c, const incident::Incident& inc, Timestamp now);
  void Run(ResponseCase& c, const incident::Incident& inc, const runbook::Runbook& rb,
           const rca::Hypothesis* top, Timestamp now);
  std::unique_ptr<runbook::Runbook> Plan(const runbook::Runbook& rb) const;
  void Advance(ResponseCase& c, Timestamp now);
  void Finish(ResponseCase& c, Timestamp now);
  void Escalate(ResponseCase& c, const std::string& why, Timestamp now);
  void Say(ResponseCase& c, const std::string& phase, const std::string& text, Timestamp now);
  const runbook::Runbook* Choose(const rca::Analysis& a, const incident::Incident& inc) const;

  incident::IncidentService& incidents_;
  rca::EvidenceSources sources_;
  const metrics::promql::Queryable& metrics_;
  const runbook::RunbookSet& runbooks_;
  runbook::ActionAdapter& adapter_;
  ResponderOptions options_;
  ResponseObserver* observer_;
  std::unique_ptr<TimelineWriter> timeline_;
  std::unique_ptr<AutoApprover> approver_;
  std::vector<std::unique_ptr<ResponseCase>> cases_;
};

}  // namespace fw::response
