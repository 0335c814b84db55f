#pragma once
// Simulator: the embedded production system. Steps a Scenario forward in
// fixed steps on its own simulated time, applying the scenario's timeline and
// any operator actions, and reports what real monitoring would see: metrics
// (scraped every scrape_interval), JSON log lines and change events, handed to
// a SimSink. Deterministic: the same scenario and seed give the same output.
// Not thread-safe: callers serialise access (sim serve holds a mutex).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "sim/scenario.h"

namespace fw::sim {

class MetricWriter;
struct World;

// Receives the simulator's output as it happens.
class SimSink {
 public:
  virtual ~SimSink() = default;
  virtual void OnLog(std::string_view json_line) = 0;
  virtual void OnChange(std::string_view json_line) = 0;
  // Called at every scrape time; `scrape` renders the current values.
  virtual void OnScrape(Timestamp t, const class Simulator& sim) = 0;
};

// What users experienced during one step, summed over the whole system.
struct StepStats {
  Timestamp t = 0;
  double requests = 0;        // answered by the app or the balancer
  double errors = 0;          // 5xx seen by users (excluding the maintenance page)
  double maintenance = 0;     // answered by the maintenance page
  double latency_sum = 0;     // seconds, over `requests`
  double p95 = 0;             // seconds, from the step's latency histogram
  double cpu = 0;             // mean utilisation of in-service instances, 0..1
  double db_connections = 0;  // threads_connected
  double db_max_connections = 0;
  double pool_pending = 0;    // requests waiting for a connection, all instances
  double heap_max_share = 0;  // the fullest heap's live set (after GC), share of max
  int in_service = 0;
  int healthy_targets = 0;
  int64_t oom_kills = 0;     // cumulative
  int64_t slow_queries = 0;  // cumulative
  int64_t lock_waits = 0;    // cumulative
  double route_requests[4] = {};
  double route_errors[4] = {};
  double route_latency_sum[4] = {};

  double error_rate() const { return requests > 0 ? errors / requests : 0; }
  double mean_latency() const { return requests > 0 ? latency_sum / requests : 0; }
  double db_share() const {
    return db_max_connections > 0 ? db_connections / db_max_connections : 0;
  }
};

struct ActionResult {
  bool accepted = false;
  std::string message;         // what happened, or why it was refused
  Timestamp effective_at = 0;  // when the effect is complete (boots, rollouts)
};

struct InstanceView {
  std::string id, ip, version, state;
  bool registered = false, healthy = false, hung = false;
  double cpu = 0, heap_used_mb = 0, heap_max_mb = 0;
  double pool_active = 0, pool_idle = 0, pool_pending = 0, pool_max = 0;
};

// One row of the database's process list, like MySQL's SHOW PROCESSLIST.
struct ProcessRow {
  int64_t id = 0;
  std::string user, host, db, command, state, info;
  int64_t time = 0;  // seconds in the current state
};

class Simulator {
 public:
  explicit Simulator(Scenario scenario);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  void set_sink(SimSink* sink);  // may be null; not owned

  const Scenario& scenario() const;
  Timestamp now() const;
  Timestamp end() const;
  bool done() const { return now() >= end(); }

  // Advances one step, applying timeline events that fall due.
  void Step();
  // Steps until now() >= t or the scenario ends.
  void RunUntil(Timestamp t);

  // An operator's action, taken now. Refusals (unknown instance, capacity
  // out of range) come back as accepted=false with the reason.
  ActionResult Apply(const ActionSpec& action);
  // Starts a fault now (game days: inject by hand).
  void InjectFault(const FaultSpec& fault);

  const StepStats& last() const;
  const std::vector<StepStats>& history() const;  // one entry per step

  std::vector<InstanceView> Instances() const;
  std::vector<ProcessRow> ProcessList() const;

  // Writes every current metric sample through `w` (see metric_writer.h).
  // `instance_id` limits output to one instance ("" = everything).
  void Collect(MetricWriter& w, std::string_view instance_id = "") const;

 private:
  std::unique_ptr<World> world_;
};

}  // namespace fw::sim
