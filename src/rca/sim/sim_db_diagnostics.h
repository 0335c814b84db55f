#pragma once
// The simulated database's diagnostics for root-cause analysis: answers
// rca::DbDiagnostics from sim::Simulator::ProcessList(), as of the
// simulator's current time, the way a MySQL client would answer SHOW FULL
// PROCESSLIST (the simulated database has no lock or statement views). Not thread-safe, like the
// simulator: callers that share the simulator (sim serve, the demo) hold its lock around calls.
//
//   sim::Simulator simulator(scenario);
//   rca::SimDbDiagnostics db(simulator);
//   rca::EvidenceSources src{&metrics, &logs, &changes, &db};

#include "rca/analysis.h"

namespace fw::sim {
class Simulator;
}

namespace fw::rca {

class SimDbDiagnostics final : public DbDiagnostics {
 public:
  // REQUIRES: simulator outlives this object.
  explicit SimDbDiagnostics(const sim::Simulator& simulator) : sim_(simulator) {}
  Result<std::vector<DbSnapshot>> Diagnose(const std::vector<std::string>& services) override;

 private:
  const sim::Simulator& sim_;
};

}  // namespace fw::rca
