#include "rca/sim/sim_db_diagnostics.h"

#include "sim/simulator.h"

namespace fw::rca {

Result<std::vector<DbProcess>> SimDbDiagnostics::ProcessList() {
  std::vector<DbProcess> out;
  for (const sim::ProcessRow& r : sim_.ProcessList()) {
    out.push_back({r.id, r.user, r.host, r.db, r.command, r.state, r.info, r.time});
  }
  return out;
}

}  // namespace fw::rca
