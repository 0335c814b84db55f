#pragma once
// PgApprovals: the responder's approval gates and the answers people give,
// in the PostgreSQL replicas share (table `approvals`, made by the state
// schema's migrations), so an approval sent to any replica reaches the run
// on the leader, and one given just before a fail-over still counts on the
// next leader. Thread-safe (one connection behind a mutex).

#include <memory>
#include <mutex>

#include "pg/connection.h"
#include "response/approvals.h"

namespace fw::response {

class PgApprovals final : public SharedApprovals {
 public:
  static Result<std::unique_ptr<PgApprovals>> Open(const pg::ConnectOptions& c);

  Result<std::optional<bool>> Take(const std::string& incident_id, const std::string& gate,
                                   Timestamp now) override;
  Result<std::vector<WaitingGate>> Waiting(const std::string& incident_id) const override;
  Result<bool> Answer(const std::string& incident_id, const std::string& gate,
                      bool approve) override;
  Result<void> Forget(const std::string& incident_id) override;

 private:
  explicit PgApprovals(std::unique_ptr<pg::PgConnection> c) : c_(std::move(c)) {}
  std::unique_ptr<pg::PgConnection> c_;
  mutable std::mutex mu_;
};

}  // namespace fw::response
