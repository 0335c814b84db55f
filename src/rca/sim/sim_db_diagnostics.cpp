#include "rca/sim/sim_db_diagnostics.h"

#include "sim/simulator.h"

namespace fw::rca {

Result<std::vector<DbSnapshot>> SimDbDiagnostics::Diagnose(const std::vector<std::string>&) {
  DbSnapshot s;
  s.name = "db";
  s.kind = "mysql";
  s.statements["processlist"] = "SHOW FULL PROCESSLIST";
  for (const sim::ProcessRow& r : sim_.ProcessList()) {
    DbProcess p;
    p.id = r.id;
    p.user = r.user;
    p.host = r.host;
    p.db = r.db;
    p.command = r.command;
    p.state = r.state;
    p.info = r.info;
    p.time_s = r.time;
    s.processes.push_back(std::move(p));
  }
  std::vector<DbSnapshot> out;
  out.push_back(std::move(s));
  return out;
}

}  // namespace fw::rca
