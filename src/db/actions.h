#pragma once
// Runbook actions on the declared databases, run with each database's
// privileged account (databases[].actions), never the read-only one:
//
//   kill_connections      {id: "12,15"} or {min_age: 120, user, state, limit}
//                         MariaDB/MySQL: KILL CONNECTION; PostgreSQL: pg_terminate_backend
//   pg_terminate_backend  {pid: "4711"} or {min_age, user, state, limit}
//   pg_cancel_backend     the same, cancelling the running statement only
//   set_global            {name: max_connections|long_query_time|slow_query_log, value}
//
// Every action takes `database` (a name from firewatch.yml; optional when
// one is declared). System, replication and firewatch's own sessions are
// never touched, nor PostgreSQL superusers' sessions; at most `limit`
// (capped by databases[].actions.max_kill) sessions are ended per step.
// A dry run prints the statements and connects to nothing. The step's
// command lists every statement run and its output the result of each, so
// the incident timeline shows exactly what happened.
//
// Actions the site declares under `actions:` take precedence and go to
// `site`, as does every action this adapter does not know.

#include <functional>

#include "db/databases.h"
#include "runbook/execution.h"

namespace fw::db {

class DbActionAdapter final : public runbook::ActionAdapter {
 public:
  // REQUIRES: databases and site outlive the adapter.
  DbActionAdapter(const Databases& databases, runbook::ActionAdapter& site,
                  std::function<bool(const std::string&)> site_declares)
      : databases_(databases), site_(site), site_declares_(std::move(site_declares)) {}
  std::string name() const override { return site_.name(); }
  Result<runbook::ActionOutcome> Run(const runbook::ActionCall& call, bool dry_run) override;

 private:
  const Databases& databases_;
  runbook::ActionAdapter& site_;
  std::function<bool(const std::string&)> site_declares_;
};

// True for the names above.
bool IsDatabaseAction(const std::string& action);

}  // namespace fw::db
