#include "response/approvals.h"

#include <algorithm>

namespace fw::response {

Result<std::string> ChooseGate(const std::string& incident_id, const std::string& gate,
                               const std::vector<std::string>& gates) {
  std::string names;
  for (const std::string& g : gates) names += (names.empty() ? "\"" : ", \"") + g + "\"";
  if (gate.empty()) {
    if (gates.empty()) return Fail(ErrorCode::kNotFound, incident_id + " waits for no approval");
    if (gates.size() > 1) {
      return Fail(ErrorCode::kInvalidArgument,
                  incident_id + " waits for several approvals; name one with --step: " + names);
    }
    return gates.front();
  }
  if (std::find(gates.begin(), gates.end(), gate) == gates.end()) {
    return Fail(ErrorCode::kNotFound, incident_id + " does not wait for \"" + gate + "\"" +
                                          (names.empty() ? "" : " (it waits for " + names + ")"));
  }
  return gate;
}

runbook::ApprovalState ApprovalBook::Check(const std::string& incident_id,
                                           const std::string& gate) {
  if (shared_) {
    auto answer = shared_->Take(incident_id, gate, clock_.Now());
    if (!answer || !*answer) return runbook::ApprovalState::kPending;  // asked again next turn
    return **answer ? runbook::ApprovalState::kGranted : runbook::ApprovalState::kDenied;
  }
  std::lock_guard lock(mu_);
  const Key key{incident_id, gate};
  if (auto it = answers_.find(key); it != answers_.end()) {
    const bool yes = it->second;
    answers_.erase(it);
    waiting_.erase(key);
    return yes ? runbook::ApprovalState::kGranted : runbook::ApprovalState::kDenied;
  }
  waiting_.try_emplace(key, clock_.Now());
  return runbook::ApprovalState::kPending;
}

Result<std::string> ApprovalBook::Decide(const std::string& incident_id, const std::string& gate,
                                         bool approve) {
  std::vector<std::string> gates;
  for (const WaitingGate& w : Waiting(incident_id)) gates.push_back(w.gate);
  auto chosen = ChooseGate(incident_id, gate, gates);
  if (!chosen) return chosen;
  if (shared_) {
    auto answered = shared_->Answer(incident_id, *chosen, approve);
    if (!answered) return Fail(answered.error());
    if (!*answered)
      return Fail(ErrorCode::kNotFound, incident_id + " no longer waits for \"" + *chosen + "\"");
    return chosen;
  }
  std::lock_guard lock(mu_);
  if (!waiting_.count({incident_id, *chosen})) {
    return Fail(ErrorCode::kNotFound, incident_id + " no longer waits for \"" + *chosen + "\"");
  }
  answers_[{incident_id, *chosen}] = approve;
  waiting_.erase({incident_id, *chosen});
  return chosen;
}

std::vector<WaitingGate> ApprovalBook::Waiting(const std::string& incident_id) const {
  if (shared_) {
    auto waiting = shared_->Waiting(incident_id);
    return waiting ? std::move(*waiting) : std::vector<WaitingGate>();
  }
  std::lock_guard lock(mu_);
  std::vector<WaitingGate> out;
  for (const auto& [key, since] : waiting_) {
    if (incident_id.empty() || key.first == incident_id)
      out.push_back({key.first, key.second, since});
  }
  return out;
}

void ApprovalBook::Forget(const std::string& incident_id) {
  if (shared_) (void)shared_->Forget(incident_id);
  std::lock_guard lock(mu_);
  std::erase_if(waiting_, [&](const auto& kv) { return kv.first.first == incident_id; });
  std::erase_if(answers_, [&](const auto& kv) { return kv.first.first == incident_id; });
}

}  // namespace fw::response
