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

class ApprovalBook final : public runbook::Approver {
 public:
  explicit ApprovalBook(Clock& clock) : clock_(clock) {}

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
  mutable std::mutex mu_;
  std::map<Key, Timestamp> waiting_;  // gate -> since when
  std::map<Key, bool> answers_;
};

}  // namespace fw::response
