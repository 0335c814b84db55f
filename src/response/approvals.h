#pragma once
// ApprovalBook: the approval gates the responder's runbook runs wait at, and
// the answers people give them over the API or the CLI. A gate is known by
// its incident and its name (the step's name). An answer names the gate, or
// only the incident when exactly one gate of it waits. Answers are kept
// until the gate asks again, so an approval given between two polls is not
// lost; a gate that nobody answers stays pending (the execution times it
// out). Thread-safe: the API answers while the pipeline's loop asks.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "runbook/execution.h"

namespace fw::response {

struct WaitingGate {
  std::string incident_id;
  std::string gate;
  Timestamp since = 0;
};

// Gates and answers kept where replicas share them (PostgreSQL,
// pg_approvals.h), so an answer given to any replica reaches the leader's
// run. Same semantics as the book's own maps.
class SharedApprovals {
 public:
  virtual ~SharedApprovals() = default;
  // The answer to the gate, taken (so the gate asks afresh next time);
  // nullopt after recording that it waits since `now`.
  virtual Result<std::optional<bool>> Take(const std::string& incident_id, const std::string& gate,
                                           Timestamp now) = 0;
  virtual Result<std::vector<WaitingGate>> Waiting(const std::string& incident_id) const = 0;
  // Answers a waiting gate; false when it no longer waits.
  virtual Result<bool> Answer(const std::string& incident_id, const std::string& gate,
                              bool approve) = 0;
  virtual Result<void> Forget(const std::string& incident_id) = 0;
};

// The gate an answer is for: `gate`, or the only one waiting; the errors of
// Decide below.
Result<std::string> ChooseGate(const std::string& incident_id, const std::string& gate,
                               const std::vector<std::string>& waiting);

class ApprovalBook final : public runbook::Approver {
 public:
  // `shared` (optional, outlives the book): replicas' gates and answers.
  explicit ApprovalBook(Clock& clock, SharedApprovals* shared = nullptr)
      : clock_(clock), shared_(shared) {}

  runbook::ApprovalState Check(const std::string& incident_id, const std::string& gate) override;

  // Answers the gate `gate` of the incident, or its only waiting gate when
  // `gate` is empty. Returns the gate answered; kNotFound when nothing
  // waits, kInvalidArgument naming the gates when several do.
  Result<std::string> Decide(const std::string& incident_id, const std::string& gate, bool approve);
  std::vector<WaitingGate> Waiting(const std::string& incident_id = "") const;
  // The incident's run ended: its gates stop waiting.
  void Forget(const std::string& incident_id);

 private:
  using Key = std::pair<std::string, std::string>;
  Clock& clock_;
  SharedApprovals* shared_;
  mutable std::mutex mu_;
  std::map<Key, Timestamp> waiting_;  // gate -> since when
  std::map<Key, bool> answers_;
};

}  // namespace fw::response
