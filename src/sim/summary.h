#pragma once
// Aggregates of a run's per-step stats over time windows, and the readable
// summary `sim run` prints. Tests use Window() to pin scenario behaviour.

#include <string>
#include <vector>

#include "sim/simulator.h"

namespace fw::sim {

struct WindowStats {
  double requests = 0;
  double error_rate = 0;    // errors / requests over the window
  double mean_latency = 0;  // seconds
  double p95 = 0;           // mean of per-step p95, seconds
  double cpu = 0;           // mean
  double cpu_max = 0;
  double db_share = 0;  // mean threads_connected / max_connections
  double db_share_max = 0;
  double pool_pending = 0;   // mean
  double heap_max = 0;       // max over the window
  double in_service = 0;     // mean
  double healthy = 0;        // mean
  int64_t oom_kills = 0;     // during the window
  int64_t slow_queries = 0;  // during the window
  int64_t lock_waits = 0;    // during the window
  double route_error_rate[4] = {};
  double route_latency[4] = {};
};

// Steps with from <= t - start < to (offsets in ms from the scenario start).
WindowStats Window(const Simulator& sim, int64_t from_ms, int64_t to_ms);

// A table of the run in at most ~30 rows plus the scenario's timeline.
std::string RenderSummary(const Simulator& sim);

}  // namespace fw::sim
