// The auto-scaling group, the load balancer's target health, rolling
// deployments, and the fault timeline.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/duration.h"
#include "sim/model.h"

namespace fw::sim {
namespace {

std::string HexId(Rng& rng, int digits) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += kHex[rng.Below(16)];
  return s;
}

bool IsAlive(const Instance& i) { return i.state != InstanceState::kTerminated; }

std::string CurrentVersion(const World& w) { return w.version_history.back(); }

// A health check passes when the app answers /health in time; with
// health_checks_database the endpoint also borrows a pooled connection, as
// Spring Boot's actuator does.
bool HealthCheckPasses(const World& w, const Instance& i) {
  if (i.state != InstanceState::kInService || i.hung) return false;
  // With every worker thread busy, /health waits in the accept queue too.
  if (i.concurrency >= w.sc.env.instance.worker_threads) return false;
  if (!w.sc.env.balancer.health_checks_database) return true;
  const double usable = i.pool_size - static_cast<double>(i.leaked.size());
  const double wait_s = i.pool_pending > 0.5 ? w.sc.env.pool.acquire_timeout.count() / 1000.0 : 0;
  return usable >= 1 && wait_s * 1000 < w.sc.env.balancer.health_timeout.count();
}

void RunHealthChecks(World& w) {
  const auto& lb = w.sc.env.balancer;
  for (Instance& i : w.instances) {
    if (!i.registered || !IsAlive(i)) continue;
    const bool pass = HealthCheckPasses(w, i);
    i.health_streak = pass ? std::max(1, i.health_streak + 1) : std::min(-1, i.health_streak - 1);
    if (i.lb_healthy && i.health_streak <= -lb.unhealthy_threshold) {
      i.lb_healthy = false;
      EmitChange(w, "target_health",
                 {{"instance", i.id}, {"state", "unhealthy"}, {"reason", "Health checks failed"}});
    } else if (!i.lb_healthy && i.health_streak >= lb.healthy_threshold) {
      i.lb_healthy = true;
      EmitChange(w, "target_health", {{"instance", i.id}, {"state", "healthy"}});
    }
  }
}

// Target tracking as AWS does it: the group's CPU averaged over a minute;
// scale out after 3 minutes above target, in after 15 minutes below 90% of
// it; nothing during the cooldown after a change.
void Autoscale(World& w) {
  const auto& g = w.sc.env.group;
  if (g.target_cpu <= 0) return;
  double sum = 0;
  int n = 0;
  for (const Instance& i : w.instances) {
    if (i.state == InstanceState::kInService && i.app_started_at < w.now) {
      sum += i.cpu_util;
      ++n;
    }
  }
  if (n == 0) return;
  const double avg = sum / n;
  w.cpu_minute_avg = w.cpu_minute_avg < 0
                         ? avg
                         : w.cpu_minute_avg + (avg - w.cpu_minute_avg) * std::min(1.0, w.dt() / 60);
  const double cpu = w.cpu_minute_avg;
  w.cpu_high_since = cpu > g.target_cpu ? (w.cpu_high_since ? w.cpu_high_since : w.now) : 0;
  w.cpu_low_since = cpu < g.target_cpu * 0.9 ? (w.cpu_low_since ? w.cpu_low_since : w.now) : 0;
  if (w.now - w.last_scale < g.scale_cooldown.count()) return;
  int want = w.desired;
  if (w.cpu_high_since && w.now - w.cpu_high_since >= 3 * 60'000) {
    want = std::min(g.max, static_cast<int>(std::ceil(n * cpu / g.target_cpu)));
  } else if (w.cpu_low_since && w.now - w.cpu_low_since >= 15 * 60'000) {
    want = std::max(g.min, w.desired - 1);
  }
  if (want == w.desired) return;
  const double avg_shown = cpu;
  char reason[160];
  std::snprintf(reason, sizeof reason, "target tracking: average CPU %.0f%% vs target %.0f%%",
                avg_shown * 100, g.target_cpu * 100);
  EmitChange(w, "scaling",
             {{"group", w.sc.env.service + "-asg"},
              {"from", std::to_string(w.desired)},
              {"to", std::to_string(want)},
              {"who", "autoscaling"},
              {"reason", reason}});
  w.desired = want;
  w.last_scale = w.now;
  w.cpu_high_since = w.cpu_low_since = 0;
}

void ReconcileCapacity(World& w) {
  int alive = 0;
  for (const Instance& i : w.instances) alive += IsAlive(i);
  while (alive < w.desired) {
    LaunchInstance(w, false);
    ++alive;
  }
  // Scale in: terminate the newest instances first.
  for (auto it = w.instances.rbegin(); it != w.instances.rend() && alive > w.desired; ++it) {
    if (!IsAlive(*it)) continue;
    it->state = InstanceState::kTerminated;
    EmitChange(w, "instance",
               {{"instance", it->id}, {"state", "terminated"}, {"reason", "scale in"}});
    --alive;
  }
  std::erase_if(w.instances, [](const Instance& i) { return !IsAlive(i); });
}

// A change event about the latest rollout, with its progress ("3/6").
void EmitDeployment(World& w, const char* status, const std::string& progress) {
  const Deployment& d = w.deploy;
  EmitChange(w, "deployment",
             {{"version", d.version},
              {"previous_version", d.previous},
              {"who", d.author},
              {"status", status},
              {"progress", progress},
              {"rollback", d.is_rollback ? "true" : "false"}});
}

void AdvanceRollout(World& w) {
  Deployment& d = w.deploy;
  if (!d.rolling) return;
  int restarting = 0, done = 0, total = 0;
  for (const Instance& i : w.instances) {
    if (!IsAlive(i) || i.state == InstanceState::kBooting) continue;
    ++total;
    if (i.state == InstanceState::kRestarting)
      ++restarting;
    else if (i.version == d.version && i.lb_healthy)
      ++done;
  }
  if (restarting > 0) return;
  if (done >= total) {
    d.rolling = false;
    EmitDeployment(w, "completed", std::to_string(done) + "/" + std::to_string(total));
    return;
  }
  // Wait for the last batch to pass health checks before taking the next.
  for (const Instance& i : w.instances) {
    if (i.version == d.version && i.registered && !i.lb_healthy &&
        i.state == InstanceState::kInService && !i.hung) {
      return;
    }
  }
  const int batch = std::max(1, total / 4);
  int taken = 0;
  for (Instance& i : w.instances) {
    if (taken == batch) break;
    if (i.state != InstanceState::kInService || i.version == d.version) continue;
    i.pending_version = d.version;
    i.registered = false;  // drain first, as a rolling deploy does
    RestartApp(w, i, "deployment of " + d.version);
    ++taken;
  }
  EmitDeployment(w, "in_progress", std::to_string(done) + "/" + std::to_string(total));
}

void FinishTransitions(World& w) {
  for (Instance& i : w.instances) {
    if (i.state_until > w.now) continue;
    if (i.state == InstanceState::kBooting || i.state == InstanceState::kRestarting) {
      const bool was_booting = i.state == InstanceState::kBooting;
      i.state = InstanceState::kInService;
      if (!i.pending_version.empty()) i.version = i.pending_version;
      i.pending_version.clear();
      i.registered = true;
      i.lb_healthy = false;
      i.health_streak = 0;
      i.hung = false;
      ResetAppState(w, i);
      const double took = (w.now - (was_booting ? i.launched_at : i.app_started_at)) / 1000.0;
      i.app_started_at = w.now;
      char msg[160];
      std::snprintf(msg, sizeof msg, "Started ShopApplication in %.1f seconds (version %s)", took,
                    i.version.c_str());
      EmitLog(w, "INFO", &i, -1, 0, 0, msg);
      if (was_booting) {
        EmitChange(w, "instance",
                   {{"instance", i.id}, {"state", "in_service"}, {"version", i.version}});
      }
    }
  }
}

}  // namespace

Instance& LaunchInstance(World& w, bool already_running) {
  Instance inst;
  inst.index = w.launched++;
  inst.id = "i-0" + HexId(w.rng, 16);
  inst.ip = "10.0." + std::to_string(1 + inst.index % 3) + "." +
            std::to_string(10 + (inst.index * 7) % 240);
  inst.version = CurrentVersion(w);
  inst.launched_at = w.now;
  inst.pool_size = w.pool_size;
  inst.first_conn_id = 0;
  if (already_running) {
    inst.state = InstanceState::kInService;
    inst.lb_healthy = true;
    inst.health_streak = w.sc.env.balancer.healthy_threshold;
    inst.app_started_at = w.now;
    ResetAppState(w, inst);
  } else {
    inst.state = InstanceState::kBooting;
    inst.state_until = w.now + w.sc.env.group.boot_time.count();
    inst.registered = false;
    EmitChange(w, "instance",
               {{"instance", inst.id},
                {"state", "launching"},
                {"reason", "desired capacity " + std::to_string(w.desired)}});
  }
  w.instances.push_back(std::move(inst));
  return w.instances.back();
}

void InitFleet(World& w) {
  w.version_history.push_back(w.sc.env.version);
  w.pool_size = w.sc.env.pool.size;
  w.desired = w.sc.env.group.desired;
  w.last_scale = w.now;  // a fresh group starts in its cooldown
  w.db.max_connections = w.sc.env.database.max_connections;
  for (int i = 0; i < w.desired; ++i) LaunchInstance(w, true);
}

void RestartApp(World& w, Instance& inst, const std::string& reason) {
  inst.state = InstanceState::kRestarting;
  inst.state_until = w.now + w.sc.env.instance.restart_time.count();
  inst.lb_healthy = false;
  inst.health_streak = 0;
  inst.hung = false;
  inst.app_started_at = w.now;
  // The process is gone: its pool connections close, leaked ones included.
  inst.leaked.clear();
  inst.pool_open = inst.pool_active = inst.pool_pending = 0;
  inst.concurrency = 0;
  EmitLog(w, "INFO", &inst, -1, 0, 0, "Shutting down ShopApplication: " + reason);
}

std::vector<Instance*> LbTargets(World& w) {
  std::vector<Instance*> healthy, registered;
  for (Instance& i : w.instances) {
    if (!i.registered || i.state == InstanceState::kBooting) continue;
    registered.push_back(&i);
    if (i.lb_healthy) healthy.push_back(&i);
  }
  // With no healthy target, a load balancer fails open to all of them.
  return healthy.empty() ? registered : healthy;
}

void BalancerAnswer(World& w, int route, double requests, int status, double latency_s) {
  const int64_t k = w.rng.RoundCount(requests);
  const double n = static_cast<double>(k);
  w.lb_responses[status] += k;
  w.cur.requests += n;
  w.cur.errors += n;
  w.cur.latency_sum += n * latency_s;
  w.cur.route_requests[route] += n;
  w.cur.route_errors[route] += n;
  w.cur.route_latency_sum[route] += n * latency_s;
  w.retry_backlog[route] += n * w.sc.traffic.retry;
}

void BalancerAnswers(World& w, const double offered[kRouteCount], int status, double latency_s) {
  for (int r = 0; r < kRouteCount; ++r)
    BalancerAnswer(w, r, offered[r] * w.dt(), status, latency_s);
}

void StepFleet(World& w) {
  FinishTransitions(w);
  const int64_t interval = w.sc.env.balancer.health_interval.count();
  const int64_t step = w.sc.step.count();
  if ((w.now - w.sc.start) % interval < step) RunHealthChecks(w);
  Autoscale(w);
  ReconcileCapacity(w);
  AdvanceRollout(w);
}

void StartRollout(World& w, const std::string& version, bool is_rollback,
                  const std::string& author) {
  Deployment d;
  d.version = version;
  d.previous = CurrentVersion(w);
  d.author = author;
  d.started = w.now;
  d.rolling = true;
  d.is_rollback = is_rollback;
  if (is_rollback) {
    w.version_history.pop_back();
  } else {
    w.version_history.push_back(version);
  }
  w.deploy = d;
  EmitDeployment(w, "started", "0/" + std::to_string(w.instances.size()));
}

double FaultMagnitude(const World& w, const Instance* inst, FaultType type, int route) {
  double m = 0;
  auto consider = [&](const FaultSpec& f) {
    if (f.type != type) return;
    if (route >= 0 && !f.route.empty() && f.route != ProfileOf(route).path) return;
    if (inst && f.instance && *f.instance != inst->index) return;
    if (!f.flag.empty()) {
      auto it = w.flags.find(f.flag);
      if (it != w.flags.end() && !it->second) return;
    }
    m = std::max(m, f.magnitude);
  };
  for (const ActiveFault& af : w.faults) consider(af.spec);
  if (inst) {
    auto it = w.version_faults.find(inst->version);
    if (it != w.version_faults.end()) {
      for (const FaultSpec& f : it->second) consider(f);
    }
  }
  return m;
}

void StartFault(World& w, const FaultSpec& f) {
  ActiveFault af{f, w.now, f.duration ? w.now + f.duration->count() : 0, 0};
  if (f.type == FaultType::kLockContention) af.blocker_conn_id = w.db.next_conn_id++;
  if (f.instance && !w.instances.empty()) {
    // Scenario files name an instance by its position in the group now.
    const size_t pos = std::min<size_t>(*f.instance, w.instances.size() - 1);
    af.spec.instance = w.instances[pos].index;
  }
  if (f.type == FaultType::kInstanceFailure) {
    // A failure hits one instance once; it is not a lasting condition.
    if (w.instances.empty()) return;
    const size_t pos = std::min<size_t>(f.instance.value_or(0), w.instances.size() - 1);
    Instance& i = w.instances[pos];
    if (f.magnitude >= 1) {
      i.hung = true;
      EmitLog(w, "ERROR", &i, -1, 0, 0,
              "Watchdog: all http-nio-8080-exec threads blocked for 30s; process not responding");
    } else {
      i.state = InstanceState::kTerminated;
      EmitChange(w, "instance",
                 {{"instance", i.id},
                  {"state", "terminated"},
                  {"reason", "EC2 status check failed: instance crashed"}});
    }
    return;
  }
  w.faults.push_back(af);
}

void ExpireFaults(World& w) {
  std::erase_if(w.faults, [&](const ActiveFault& f) { return f.end != 0 && f.end <= w.now; });
}

}  // namespace fw::sim
