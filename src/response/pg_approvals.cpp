#include "response/pg_approvals.h"

namespace fw::response {

Result<std::unique_ptr<PgApprovals>> PgApprovals::Open(const pg::ConnectOptions& c) {
  pg::ConnectOptions o = c;
  o.application_name = "firewatch approvals";
  auto conn = pg::PgConnection::Open(o);
  if (!conn) return Fail(conn.error().WithContext("approvals"));
  return std::unique_ptr<PgApprovals>(new PgApprovals(std::move(*conn)));
}

Result<std::optional<bool>> PgApprovals::Take(const std::string& incident_id,
                                              const std::string& gate, Timestamp now) {
  std::lock_guard lock(mu_);
  // An answer is taken by deleting its row, in one statement, so two
  // leaders (one of them deposed) cannot both act on it.
  auto taken = c_->Exec(
      "DELETE FROM approvals WHERE incident = $1 AND gate = $2 AND answer IS NOT NULL "
      "RETURNING answer",
      {incident_id, gate});
  if (!taken) return Fail(taken.error());
  if (!taken->empty()) return std::optional<bool>(taken->Text(0, 0) == "t");
  auto wait = c_->Exec(
      "INSERT INTO approvals (incident, gate, since) VALUES ($1, $2, $3) "
      "ON CONFLICT (incident, gate) DO NOTHING",
      {incident_id, gate, std::to_string(now)});
  if (!wait) return Fail(wait.error());
  return std::optional<bool>();
}

Result<std::vector<WaitingGate>> PgApprovals::Waiting(const std::string& incident_id) const {
  std::lock_guard lock(mu_);
  auto rows = c_->Exec(
      "SELECT incident, gate, since FROM approvals WHERE answer IS NULL "
      "AND ($1 = '' OR incident = $1) ORDER BY incident, gate",
      {incident_id});
  if (!rows) return Fail(rows.error());
  std::vector<WaitingGate> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    out.push_back({rows->Text(r, 0), rows->Text(r, 1), rows->Int(r, 2)});
  }
  return out;
}

Result<bool> PgApprovals::Answer(const std::string& incident_id, const std::string& gate,
                                 bool approve) {
  std::lock_guard lock(mu_);
  auto r = c_->Exec(
      "UPDATE approvals SET answer = $3 WHERE incident = $1 AND gate = $2 AND answer IS NULL",
      {incident_id, gate, approve ? "true" : "false"});
  if (!r) return Fail(r.error());
  return r->affected > 0;
}

Result<void> PgApprovals::Forget(const std::string& incident_id) {
  std::lock_guard lock(mu_);
  auto r = c_->Exec("DELETE FROM approvals WHERE incident = $1", {incident_id});
  if (!r) return Fail(r.error());
  return {};
}

}  // namespace fw::response
