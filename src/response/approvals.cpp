#include "response/approvals.h"

namespace fw::response {

runbook::ApprovalState ApprovalBook::Check(const std::string& incident_id,
                                           const std::string& gate) {
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
  std::lock_guard lock(mu_);
  std::vector<std::string> gates;
  for (const auto& [key, since] : waiting_) {
    if (key.first == incident_id) gates.push_back(key.second);
  }
  std::string chosen = gate;
  if (gate.empty()) {
    if (gates.empty()) {
      return Fail(ErrorCode::kNotFound, incident_id + " waits for no approval");
    }
    if (gates.size() > 1) {
      std::string names;
      for (const std::string& g : gates) names += (names.empty() ? "\"" : ", \"") + g + "\"";
      return Fail(ErrorCode::kInvalidArgument,
                  incident_id + " waits for several approvals; name one with --step: " + names);
    }
    chosen = gates.front();
  } else if (!waiting_.count({incident_id, gate})) {
    std::string names;
    for (const std::string& g : gates) names += (names.empty() ? "\"" : ", \"") + g + "\"";
    return Fail(ErrorCode::kNotFound, incident_id + " does not wait for \"" + gate + "\"" +
                                          (names.empty() ? "" : " (it waits for " + names + ")"));
  }
  answers_[{incident_id, chosen}] = approve;
  waiting_.erase({incident_id, chosen});
  return chosen;
}

std::vector<WaitingGate> ApprovalBook::Waiting(const std::string& incident_id) const {
  std::lock_guard lock(mu_);
  std::vector<WaitingGate> out;
  for (const auto& [key, since] : waiting_) {
    if (incident_id.empty() || key.first == incident_id)
      out.push_back({key.first, key.second, since});
  }
  return out;
}

void ApprovalBook::Forget(const std::string& incident_id) {
  std::lock_guard lock(mu_);
  std::erase_if(waiting_, [&](const auto& kv) { return kv.first.first == incident_id; });
  std::erase_if(answers_, [&](const auto& kv) { return kv.first.first == incident_id; });
}

}  // namespace fw::response
