// The action vocabulary runbooks speak, and the variables a runbook may use
// without declaring them. Adapters map these names onto their own world.

#include <string_view>

#include "runbook/runbook.h"

namespace fw::runbook {

const std::vector<ActionInfo>& ActionCatalog() {
  static const std::vector<ActionInfo> kCatalog = {
      {"rollback",
       {},
       "roll the service back to its previous release (version: the one expected live)"},
      {"scale", {{"to", "by"}}, "set the group's desired capacity to N, or raise it by N"},
      {"maintenance_on", {}, "serve the maintenance page for every request"},
      {"maintenance_off", {}, "take the maintenance page down again"},
      {"feature_flag_on", {{"flag"}}, "turn a feature flag on"},
      {"feature_flag_off", {{"flag"}}, "turn a feature flag off"},
      {"deregister_instance", {{"instance"}}, "take an instance out of the load balancer"},
      {"restart_instance", {{"instance"}}, "restart the application on an instance"},
      {"terminate_instance", {{"instance"}}, "terminate an instance; the group replaces it"},
      {"kill_db_connections",
       {{"id", "idle_seconds"}},
       "kill a database connection by id, or every one idle longer than N seconds"},
      {"kill_connections",
       {{"id", "min_age"}},
       "kill database sessions by id, or every one of user/state older than min_age seconds "
       "(at most limit; never system or replication threads)"},
      {"set_global",
       {{"name"}, {"value"}},
       "SET GLOBAL name = value for max_connections, long_query_time or slow_query_log"},
      {"pg_terminate_backend",
       {{"pid", "min_age"}},
       "end PostgreSQL backends by pid, or every one of user/state older than min_age seconds"},
      {"pg_cancel_backend",
       {{"pid", "min_age"}},
       "cancel the running statement of PostgreSQL backends by pid, or by user/state/min_age"},
      {"set_pool_size", {{"size"}}, "set the application's connection pool size"},
      {"set_max_connections", {{"value"}}, "set the database's max_connections"},
      {"add_index", {{"route"}}, "recreate the missing index behind a route's slow queries"},
      {"redeploy", {}, "restart every instance of the service with its current release"},
  };
  return kCatalog;
}

const ActionInfo* FindAction(const std::string& name) {
  for (const ActionInfo& a : ActionCatalog()) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

bool IsContextVariable(const std::string& name) {
  static const char* kFixed[] = {
      "incident.id",         "incident.title",
      "incident.severity",   "incident.service",
      "hypothesis.category", "hypothesis.confidence",
      "suspect.version",     "suspect.previous_version",
      "suspect.service",     "suspect.who",
      "suspect.type",        "suspect.time",
      "runbook.name",
  };
  for (const char* f : kFixed) {
    if (name == f) return true;
  }
  // db.*: what the analysis found in the database (rca::Hypothesis::facts).
  return (name.starts_with("labels.") && name.size() > 7) ||
         (name.starts_with("db.") && name.size() > 3);
}

const char* StepKindName(StepKind k) {
  switch (k) {
    case StepKind::kAction:
      return "action";
    case StepKind::kWait:
      return "wait";
    case StepKind::kVerify:
      return "verify";
    case StepKind::kApprove:
      return "approve";
    case StepKind::kNotify:
      return "notify";
    case StepKind::kQuery:
      return "query";
  }
  return "?";
}

const char* OnFailureName(OnFailure f) {
  switch (f) {
    case OnFailure::kStop:
      return "stop";
    case OnFailure::kRevert:
      return "revert";
    case OnFailure::kEscalate:
      return "escalate";
    case OnFailure::kContinue:
      return "continue";
  }
  return "?";
}

}  // namespace fw::runbook
