#pragma once
// The simulated production system's state, shared by the model's parts
// (fleet, app, database, traffic). Internal to src/sim: other stages see it
// only through Simulator's views, metrics, logs and change events.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sim/rng.h"
#include "sim/scenario.h"

namespace fw::sim {

// The application's routes, with the cost of one request on each.
enum Route { kHome = 0, kProduct, kCart, kCheckout, kRouteCount };

struct RouteProfile {
  const char* method;
  const char* path;
  double cpu_ms;       // app CPU per request, unloaded
  int queries;         // database round trips (0 = served from cache)
  bool calls_payment;  // checkout calls the payment provider
  const char* sql;     // a representative statement, for logs and the process list
};

const RouteProfile& ProfileOf(int route);
int RouteFromPath(const std::string& path);  // -1 when unknown

// Histogram buckets of http_request_duration_seconds (client defaults plus
// 15, 20, 30 and 60 s, because outages live above 10 s).
inline constexpr std::array<double, 15> kLatencyBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60};

enum class InstanceState {
  kBooting,     // launched, not yet running the app
  kInService,   // app running
  kRestarting,  // app process restarting (OOM, rollout, operator)
  kTerminated,
};

const char* InstanceStateName(InstanceState s);

struct LeakedConnection {
  int64_t id;  // database connection id
  Timestamp since;
  bool alive_in_db;  // killed connections stay borrowed in the app's pool
};

struct RouteCounters {
  std::map<int, int64_t> by_status;                           // http status -> requests
  std::array<int64_t, kLatencyBuckets.size() + 1> buckets{};  // cumulative at render
  double latency_sum = 0;
  int64_t count = 0;
};

struct Instance {
  std::string id;
  std::string ip;
  int index = 0;  // launch order, stable for the instance's life
  InstanceState state = InstanceState::kBooting;
  Timestamp state_until = 0;  // when booting/restarting ends
  std::string version;
  std::string pending_version;  // version the restart will bring up
  bool registered = true;       // in the load balancer's target group
  bool lb_healthy = false;
  int health_streak = 0;  // consecutive passes (>0) or failures (<0)
  bool hung = false;
  Timestamp launched_at = 0;
  Timestamp app_started_at = 0;

  // App model state.
  double live_heap_mb = 0;
  double garbage_mb = 0;
  double leaked_heap_mb = 0;
  double pool_size = 0;
  double pool_open = 0;
  double pool_active = 0;
  double pool_pending = 0;
  std::vector<LeakedConnection> leaked;
  double concurrency = 0;  // smoothed busy worker threads
  double cpu_util = 0;
  double gc_overhead = 0;
  std::array<double, kRouteCount> last_latency{};  // seconds, previous step
  int64_t oom_kills = 0;

  // Exported counters (monotonic for the instance's life, reset on restart
  // like a real process's).
  std::array<RouteCounters, kRouteCount> routes;
  double cpu_seconds_user = 0, cpu_seconds_system = 0, cpu_seconds_idle = 0, cpu_seconds_iowait = 0;
  int64_t pool_timeouts = 0;
  int64_t first_conn_id = 0;
};

struct Deployment {
  std::string version;
  std::string previous;
  std::vector<FaultSpec> faults;
  std::string author;
  Timestamp started = 0;
  bool rolling = false;
  bool is_rollback = false;
};

struct ActiveFault {
  FaultSpec spec;
  Timestamp start = 0;
  Timestamp end = 0;            // 0 = open-ended
  int64_t blocker_conn_id = 0;  // lock_contention: the stuck transaction
};

struct Database {
  int max_connections = 0;
  double threads_connected = 0;
  double threads_running = 0;
  double utilisation = 0;   // CPU share, drives query latency
  double query_factor = 1;  // multiplier on query time from load
  int64_t slow_queries = 0;
  int64_t questions = 0;
  int64_t row_lock_waits = 0;
  double row_lock_current_waits = 0;
  int64_t aborted_connects = 0;  // "Too many connections"
  int64_t next_conn_id = 1000;
};

}  // namespace fw::sim
