// The operator's moves on the simulated system. Each answers at once with
// what it did (or why not) and when its effect will be complete; effects take
// realistic time (boots, rollouts), driven by later steps.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "sim/model.h"

namespace fw::sim {
namespace {

ActionResult Refuse(std::string why) { return {false, std::move(why), 0}; }

Instance* FindInstance(World& w, const std::string& id) {
  for (Instance& i : w.instances) {
    if (i.id == id && i.state != InstanceState::kTerminated) return &i;
  }
  return nullptr;
}

std::string Num(double v) {
  // Whole numbers print without a fraction; anything else (huge, NaN) as %g.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

ActionResult Scale(World& w, const ActionSpec& a) {
  const auto& g = w.sc.env.group;
  if (!(a.value >= g.min && a.value <= g.max) || a.value != std::floor(a.value)) {
    return Refuse("desired capacity " + Num(a.value) + " is outside the group's limits [" +
                  std::to_string(g.min) + ", " + std::to_string(g.max) + "]");
  }
  const int want = static_cast<int>(a.value);
  const int from = w.desired;
  w.desired = want;
  w.last_scale = w.now;
  EmitChange(w, "scaling",
             {{"group", w.sc.env.service + "-asg"},
              {"from", std::to_string(from)},
              {"to", std::to_string(want)},
              {"who", a.actor}});
  const Timestamp ready = want > from ? w.now + g.boot_time.count() : w.now;
  return {true, "desired capacity " + std::to_string(from) + " -> " + std::to_string(want), ready};
}

ActionResult Rollback(World& w, const ActionSpec& a) {
  if (w.version_history.size() < 2) {
    return Refuse("nothing to roll back to: " + w.version_history.back() +
                  " is the only version deployed");
  }
  const std::string to = w.version_history[w.version_history.size() - 2];
  const std::string from = w.version_history.back();
  StartRollout(w, to, /*is_rollback=*/true, a.actor);
  const int batches = static_cast<int>((w.instances.size() + 3) / 4) + 1;
  const Timestamp eta = w.now + batches * (w.sc.env.instance.restart_time.count() +
                                           w.sc.env.balancer.health_interval.count() *
                                               w.sc.env.balancer.healthy_threshold);
  return {true, "rolling back " + from + " -> " + to, eta};
}

ActionResult Flag(World& w, const ActionSpec& a, bool on) {
  if (a.target.empty()) return Refuse("feature flag action needs a target (the flag's name)");
  w.flags[a.target] = on;
  EmitChange(w, "feature_flag",
             {{"flag", a.target}, {"enabled", on ? "true" : "false"}, {"who", a.actor}});
  return {true, "feature flag " + a.target + (on ? " on" : " off"), w.now};
}

ActionResult OnInstance(World& w, const ActionSpec& a) {
  Instance* inst = FindInstance(w, a.target);
  if (!inst) return Refuse("no instance with id \"" + a.target + "\"");
  switch (a.type) {
    case ActionType::kDeregisterInstance:
      inst->registered = false;
      inst->lb_healthy = false;
      EmitChange(w, "target_health",
                 {{"instance", inst->id}, {"state", "deregistered"}, {"who", a.actor}});
      return {true, "deregistered " + inst->id + " from the load balancer", w.now};
    case ActionType::kRestartInstance:
      RestartApp(w, *inst, "restart requested by " + a.actor);
      inst->registered = true;
      return {true, "restarting the application on " + inst->id, inst->state_until};
    default:
      inst->state = InstanceState::kTerminated;
      EmitChange(w, "instance",
                 {{"instance", inst->id},
                  {"state", "terminated"},
                  {"reason", "terminated by " + a.actor}});
      return {true, "terminated " + inst->id + "; the group will launch a replacement",
              w.now + w.sc.env.group.boot_time.count()};
  }
}

// Building an index on a large table takes a while; the queries it serves
// stay slow until the build finishes (online DDL, no locks held).
constexpr int64_t kIndexBuildMs = 60'000;

ActionResult AddIndex(World& w, const ActionSpec& a) {
  int fixed = 0;
  for (ActiveFault& f : w.faults) {
    if (f.spec.type != FaultType::kSlowQuery) continue;
    if (!a.target.empty() && f.spec.route != a.target) continue;
    if (f.end == 0 || f.end > w.now + kIndexBuildMs) f.end = w.now + kIndexBuildMs;
    ++fixed;
  }
  EmitChange(
      w, "database",
      {{"operation", "add_index"}, {"route", a.target.empty() ? "*" : a.target}, {"who", a.actor}});
  if (fixed == 0) return {true, "index created; no query was missing it, nothing changed", w.now};
  return {true,
          "index build started for " + (a.target.empty() ? "every route" : a.target) + "'s queries",
          w.now + kIndexBuildMs};
}

}  // namespace

ActionResult ApplyAction(World& w, const ActionSpec& a) {
  ActionResult r;
  switch (a.type) {
    case ActionType::kScale:
      r = Scale(w, a);
      break;
    case ActionType::kRollback:
      r = Rollback(w, a);
      break;
    case ActionType::kMaintenanceOn:
    case ActionType::kMaintenanceOff:
      w.maintenance = a.type == ActionType::kMaintenanceOn;
      EmitChange(
          w, "config",
          {{"key", "maintenance_mode"}, {"value", w.maintenance ? "on" : "off"}, {"who", a.actor}});
      r = {true, std::string("maintenance mode ") + (w.maintenance ? "on" : "off"), w.now};
      break;
    case ActionType::kFeatureFlagOn:
      r = Flag(w, a, true);
      break;
    case ActionType::kFeatureFlagOff:
      r = Flag(w, a, false);
      break;
    case ActionType::kDeregisterInstance:
    case ActionType::kRestartInstance:
    case ActionType::kTerminateInstance:
      r = OnInstance(w, a);
      break;
    case ActionType::kKillDbConnections: {
      // target: one connection id or a comma-separated list of them.
      std::vector<int64_t> ids;
      bool bad = false;
      for (size_t at = 0; !a.target.empty() && at <= a.target.size();) {
        size_t comma = a.target.find(',', at);
        if (comma == std::string::npos) comma = a.target.size();
        const std::string part = a.target.substr(at, comma - at);
        char* end = nullptr;
        const int64_t id = std::strtoll(part.c_str(), &end, 10);
        if (part.empty() || *end != '\0' || id <= 0) bad = true;
        ids.push_back(id);
        at = comma + 1;
      }
      if (bad) {
        r = Refuse("connection ids must be positive numbers, got \"" + a.target + "\"");
        break;
      }
      if (ids.empty() && a.value <= 0) {
        r = Refuse("kill_db_connections needs a target (connection id) or a value (idle seconds)");
        break;
      }
      int64_t n = 0;
      for (int64_t id : ids) n += KillConnections(w, id, 0);
      if (ids.empty()) n = KillConnections(w, 0, a.value);
      const int64_t id = ids.empty() ? 0 : ids.front();
      EmitChange(w, "database",
                 {{"operation", "kill_connections"},
                  {"selector", id > 0 ? "id=" + a.target : "idle>" + Num(a.value) + "s"},
                  {"killed", std::to_string(n)},
                  {"who", a.actor}});
      if (id > 0 && n == 0)
        r = Refuse("no connection with id " + a.target);
      else if (id > 0 && n < static_cast<int64_t>(ids.size()))
        r = {true,
             "killed " + std::to_string(n) + " of " + std::to_string(ids.size()) +
                 " connection(s); the others were gone",
             w.now};
      else
        r = {true, "killed " + std::to_string(n) + " connection(s)", w.now};
      break;
    }
    case ActionType::kSetPoolSize: {
      if (!(a.value >= 1 && a.value <= 10000)) {
        r = Refuse("pool size must be between 1 and 10000");
        break;
      }
      w.pool_size = std::floor(a.value);
      for (Instance& i : w.instances) i.pool_size = w.pool_size;
      EmitChange(
          w, "config",
          {{"key", "hikari.maximumPoolSize"}, {"value", Num(w.pool_size)}, {"who", a.actor}});
      r = {true, "pool size set to " + Num(w.pool_size) + " on every instance", w.now};
      break;
    }
    case ActionType::kAddIndex:
      r = AddIndex(w, a);
      break;
    case ActionType::kSetMaxConnections: {
      if (!(a.value >= 1 && a.value <= 100000)) {
        r = Refuse("max_connections must be between 1 and 100000");
        break;
      }
      w.db.max_connections = static_cast<int>(a.value);
      EmitChange(w, "config",
                 {{"key", "mysql.max_connections"}, {"value", Num(a.value)}, {"who", a.actor}});
      r = {true, "max_connections set to " + Num(a.value), w.now};
      break;
    }
  }
  EmitChange(w, "action",
             {{"action", ActionTypeName(a.type)},
              {"target", a.target},
              {"value", Num(a.value)},
              {"who", a.actor},
              {"accepted", r.accepted ? "true" : "false"},
              {"result", r.message}});
  return r;
}

}  // namespace fw::sim
