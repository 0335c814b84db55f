#pragma once
// The whole simulated world and the functions that advance it, one file per
// part: fleet.cpp (group, balancer, rollouts), app_model.cpp (one instance's
// step), database.cpp, actions.cpp, events.cpp (log and change lines),
// collect.cpp (metrics). Internal to src/sim.

#include <map>
#include <string>
#include <vector>

#include "sim/simulator.h"
#include "sim/world.h"

namespace fw::sim {

struct World {
  Scenario sc;
  Rng rng;      // the model's randomness
  Rng log_rng;  // log decoration only, so attaching a sink never changes the run
  Timestamp now = 0;
  Timestamp next_scrape = 0;
  size_t next_event = 0;
  SimSink* sink = nullptr;

  std::vector<Instance> instances;  // terminated ones are removed
  int launched = 0;
  Database db;
  double pool_size = 0;
  int desired = 0;
  Timestamp last_scale = 0;      // autoscaling cooldown starts here
  double cpu_minute_avg = -1;    // the group's CPU, averaged over about a minute
  Timestamp cpu_high_since = 0;  // 0: not above target now
  Timestamp cpu_low_since = 0;
  bool maintenance = false;
  std::map<std::string, bool> flags;
  std::vector<std::string> version_history;  // oldest first; back() is current
  Deployment deploy;                         // the latest rollout
  std::vector<ActiveFault> faults;           // from the timeline or injected
  std::map<std::string, std::vector<FaultSpec>> version_faults;
  double retry_backlog[kRouteCount] = {};  // failed requests clients will retry
  std::map<int, int64_t> lb_responses;     // answers the balancer made itself, by code
  // Per-step database traffic, summed over instances, read by StepDatabase.
  double db_free_slots = 0;  // connections the database will still accept
  double db_cpu_demand = 0;  // core-seconds per second of query work
  double db_running = 0;     // statements executing or waiting on a lock
  double db_queries = 0;
  double db_slow = 0;
  double db_lock_waits = 0;
  double db_refused = 0;  // connection attempts refused: Too many connections
  std::vector<StepStats> history;
  StepStats cur;
  std::array<double, kLatencyBuckets.size() + 1> step_buckets{};

  explicit World(Scenario s) : sc(std::move(s)), rng(sc.seed), log_rng(sc.seed ^ 0x6c6f6773ULL) {}
  double dt() const { return sc.step.count() / 1000.0; }
};

// fleet.cpp
void InitFleet(World& w);
Instance& LaunchInstance(World& w, bool already_running);
void StepFleet(World& w);
void StartRollout(World& w, const std::string& version, bool is_rollback,
                  const std::string& author);
void RestartApp(World& w, Instance& inst, const std::string& reason);
std::vector<Instance*> LbTargets(World& w);
// The balancer answers `offered` requests/s for a step itself, with `status`
// after `latency_s`: counted as user-facing errors and retried by clients.
void BalancerAnswers(World& w, const double offered[kRouteCount], int status, double latency_s);
// The same for `requests` requests of one route this step.
void BalancerAnswer(World& w, int route, double requests, int status, double latency_s);

// faults: is `type` active on `inst` (with its route filter)? Returns the
// largest magnitude among matching faults, 0 when none.
double FaultMagnitude(const World& w, const Instance* inst, FaultType type, int route = -1);
void ExpireFaults(World& w);
void StartFault(World& w, const FaultSpec& f);

// app_model.cpp: serves `offered[r]` requests/s on one instance for a step.
void StepInstance(World& w, Instance& inst, const double offered[kRouteCount]);
void ResetAppState(World& w, Instance& inst);

// database.cpp
void StepDatabase(World& w);
std::vector<ProcessRow> BuildProcessList(const World& w);
int64_t KillConnections(World& w, int64_t id, double idle_seconds);

// actions.cpp
ActionResult ApplyAction(World& w, const ActionSpec& a);

// events.cpp
void EmitChange(World& w, const std::string& type,
                const std::vector<std::pair<std::string, std::string>>& fields);
void EmitLog(World& w, const char* level, const Instance* inst, int route, int status,
             double latency_s, const std::string& message);

}  // namespace fw::sim
