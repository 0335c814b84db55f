#pragma once
// A scenario is data: the environment of a simulated production system, its
// traffic, and a timeline of events (deploys that may carry faults, faults,
// scripted actions). Loaded from YAML and validated in full: every error names
// the field and its line, e.g. "db.yml:12:9: environment.pool.size: must be > 0".

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw::sim {

enum class FaultType {
  kConnectionLeak,   // share `magnitude` of checkouts never return their connection
  kMemoryLeak,       // live heap grows by `magnitude` MiB per minute
  kSlowQuery,        // `route`'s queries take `magnitude` times longer (missing index)
  kErrorRate,        // share `magnitude` of `route`'s requests throw
  kLockContention,   // a stuck transaction holds row locks that share `magnitude` of cart/checkout
                     // queries need
  kInstanceFailure,  // one instance crashes (magnitude 0) or hangs (magnitude 1)
  kDependencyTimeout,  // the payment provider takes `magnitude` seconds to answer
  kTrafficSurge,       // traffic is multiplied by `magnitude`
  kCpuHog,             // a runaway thread burns `magnitude` cores
};

const char* FaultTypeName(FaultType t);
Result<FaultType> ParseFaultType(std::string_view name);

struct FaultSpec {
  FaultType type;
  double magnitude = 0;
  std::string route;               // "" = the fault's natural route
  std::optional<int> instance;     // index into the group; nullopt = all
  std::optional<Millis> duration;  // nullopt = until removed
  std::string flag;                // active only while this feature flag is on
};

// Checks a fault's fields against its type and normalises its route
// ("GET /product" -> "/product"). Shared by scenario files and the HTTP API.
Result<void> ValidateFault(FaultSpec& f);

enum class ActionType {
  kScale,     // value = desired capacity
  kRollback,  // to the previous version
  kMaintenanceOn,
  kMaintenanceOff,
  kFeatureFlagOn,  // target = flag name
  kFeatureFlagOff,
  kDeregisterInstance,  // target = instance id
  kRestartInstance,
  kTerminateInstance,
  kKillDbConnections,  // target = connection id, or value = idle seconds
  kSetPoolSize,        // value
  kSetMaxConnections,  // value
  kAddIndex,           // target = route ("" = every route): recreates a missing index
};

const char* ActionTypeName(ActionType t);
Result<ActionType> ParseActionType(std::string_view name);

struct ActionSpec {
  ActionType type;
  std::string target;  // instance id, flag name or connection id
  double value = 0;
  std::string actor = "scenario";
};

struct DeploySpec {
  std::string version;
  std::vector<FaultSpec> faults;  // active on instances running this version
  std::string author = "ci-bot";
};

struct TimelineEvent {
  Millis at{0};  // offset from scenario start
  int line = 0;  // where it was declared, for messages
  std::optional<DeploySpec> deploy;
  std::optional<FaultSpec> fault;
  std::optional<ActionSpec> action;
};

struct GroupSpec {
  int desired = 6;
  int min = 2;
  int max = 12;
  Millis boot_time{90'000};
  double target_cpu = 0;  // 0 = no target-tracking autoscaling
  Millis scale_cooldown{300'000};
};

struct InstanceSpec {
  int cores = 4;
  int worker_threads = 200;
  double heap_mb = 2048;
  double memory_mb = 8192;
  Millis restart_time{30'000};  // app process restart (OOM, rollout)
};

struct PoolSpec {
  int size = 40;
  int min_idle = 10;
  Millis acquire_timeout{30'000};  // HikariCP connectionTimeout
};

struct DatabaseSpec {
  int max_connections = 300;
  int cores = 16;
  Millis query_time{4};                // a typical indexed query, unloaded
  Millis lock_wait_timeout{50'000};    // innodb_lock_wait_timeout
  Millis slow_query_threshold{1'000};  // long_query_time
};

struct BalancerSpec {
  Millis health_interval{10'000};
  int unhealthy_threshold = 2;
  int healthy_threshold = 3;
  Millis health_timeout{5'000};
  Millis idle_timeout{60'000};         // requests slower than this get a 504
  bool health_checks_database = true;  // /health borrows a pool connection
};

struct PaymentSpec {
  Millis latency{250};
  Millis timeout{10'000};
};

struct EnvironmentSpec {
  std::string service = "shop";
  std::string version = "v1.0.0";
  GroupSpec group;
  InstanceSpec instance;
  PoolSpec pool;
  DatabaseSpec database;
  BalancerSpec balancer;
  PaymentSpec payment;
};

// Share of traffic per route; routes are fixed (GET /, GET /product,
// POST /cart, POST /checkout), their mix is not.
struct RouteMix {
  double home = 0.45;
  double product = 0.30;
  double cart = 0.15;
  double checkout = 0.10;
};

struct TrafficSpec {
  double rps = 400;
  double diurnal = 0.2;  // relative swing over a day, peak at 14:00 UTC
  double noise = 0.03;   // relative per-second noise
  int users = 50'000;
  double retry = 0.3;  // chance a failed request is retried by its client
  RouteMix mix;
};

struct LogSpec {
  double access_sample = 0.01;          // share of successful requests logged
  int max_error_lines_per_second = 20;  // per instance; the rest are counted, not logged
};

// Ground truth for scoring root-cause analysis (`firewatch rca bench`):
// what really went wrong. The simulator ignores it; analysis never reads it.
struct Expectation {
  std::string root_cause;  // a hypothesis category, e.g. "db_pool_exhaustion"
  std::string change;      // version of the deploy to blame; "" = no change is to blame
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  Timestamp start = 1768485600000;  // 2026-01-15T14:00:00Z
  Millis duration{3'600'000};
  Millis step{1'000};
  Millis scrape_interval{15'000};
  EnvironmentSpec env;
  TrafficSpec traffic;
  LogSpec logs;
  std::vector<TimelineEvent> events;  // sorted by `at`
  std::optional<Expectation> expect;  // for scoring only
};

// Parses and validates. `source_name` is used in error locations.
Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& source_name);
Result<Scenario> LoadScenarioFile(const std::string& path);

}  // namespace fw::sim
