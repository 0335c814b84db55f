#include "sim/summary.h"

#include <algorithm>
#include <cstdio>

#include "common/duration.h"

namespace fw::sim {

WindowStats Window(const Simulator& sim, int64_t from_ms, int64_t to_ms) {
  WindowStats w;
  const Timestamp start = sim.scenario().start;
  double errors = 0, latency = 0, n = 0;
  double route_req[4] = {}, route_err[4] = {}, route_lat[4] = {};
  const StepStats* first = nullptr;
  const StepStats* prev_of_first = nullptr;
  const StepStats* last = nullptr;
  const auto& h = sim.history();
  for (size_t k = 0; k < h.size(); ++k) {
    const StepStats& s = h[k];
    const int64_t off = s.t - start;
    if (off < from_ms || off >= to_ms) continue;
    if (!first) {
      first = &s;
      prev_of_first = k > 0 ? &h[k - 1] : nullptr;
    }
    last = &s;
    n += 1;
    w.requests += s.requests;
    errors += s.errors;
    latency += s.latency_sum;
    w.p95 += s.p95;
    w.cpu += s.cpu;
    w.cpu_max = std::max(w.cpu_max, s.cpu);
    w.db_share += s.db_share();
    w.db_share_max = std::max(w.db_share_max, s.db_share());
    w.pool_pending += s.pool_pending;
    w.heap_max = std::max(w.heap_max, s.heap_max_share);
    w.in_service += s.in_service;
    w.healthy += s.healthy_targets;
    for (int r = 0; r < 4; ++r) {
      route_req[r] += s.route_requests[r];
      route_err[r] += s.route_errors[r];
      route_lat[r] += s.route_latency_sum[r];
    }
  }
  if (n == 0) return w;
  w.error_rate = w.requests > 0 ? errors / w.requests : 0;
  w.mean_latency = w.requests > 0 ? latency / w.requests : 0;
  w.p95 /= n;
  w.cpu /= n;
  w.db_share /= n;
  w.pool_pending /= n;
  w.in_service /= n;
  w.healthy /= n;
  const StepStats base = prev_of_first ? *prev_of_first : StepStats{};
  w.oom_kills = last->oom_kills - base.oom_kills;
  w.slow_queries = last->slow_queries - base.slow_queries;
  w.lock_waits = last->lock_waits - base.lock_waits;
  for (int r = 0; r < 4; ++r) {
    w.route_error_rate[r] = route_req[r] > 0 ? route_err[r] / route_req[r] : 0;
    w.route_latency[r] = route_req[r] > 0 ? route_lat[r] / route_req[r] : 0;
  }
  return w;
}

std::string RenderSummary(const Simulator& sim) {
  const Scenario& sc = sim.scenario();
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "scenario %s: %s\n", sc.name.c_str(), sc.description.c_str());
  out += line;
  std::snprintf(line, sizeof line, "simulated %s from %s at %s steps, seed %llu\n\n",
                FormatDuration(Millis(sim.now() - sc.start)).c_str(),
                FormatRfc3339Millis(sc.start).c_str(), FormatDuration(sc.step).c_str(),
                static_cast<unsigned long long>(sc.seed));
  out += line;
  if (!sc.events.empty()) {
    out += "timeline:\n";
    for (const TimelineEvent& e : sc.events) {
      std::string what;
      if (e.deploy) {
        what = "deploy " + e.deploy->version;
        for (const FaultSpec& f : e.deploy->faults)
          what += std::string(" [") + FaultTypeName(f.type) + "]";
      } else if (e.fault) {
        what = std::string("fault ") + FaultTypeName(e.fault->type);
      } else {
        what = std::string("action ") + ActionTypeName(e.action->type);
        if (!e.action->target.empty()) what += " " + e.action->target;
      }
      std::snprintf(line, sizeof line, "  +%-8s %s\n", FormatDuration(e.at).c_str(), what.c_str());
      out += line;
    }
    out += "\n";
  }
  const int64_t total = sim.now() - sc.start;
  int64_t bucket = 60'000;
  while (total / bucket > 30) bucket *= 2;
  out +=
      "  time      req/s  errors  mean_lat  p95_lat   cpu  db_conn  pending  in_svc  healthy  "
      "heap\n";
  for (int64_t from = 0; from < total; from += bucket) {
    const WindowStats w = Window(sim, from, from + bucket);
    std::snprintf(line, sizeof line,
                  "  +%-6s %7.0f %6.1f%% %8.2fs %7.2fs %4.0f%% %7.0f%% %8.0f %7.1f %8.1f %4.0f%%\n",
                  FormatDuration(Millis(from)).c_str(), w.requests / (bucket / 1000.0),
                  w.error_rate * 100, w.mean_latency, w.p95, w.cpu * 100, w.db_share * 100,
                  w.pool_pending, w.in_service, w.healthy, w.heap_max * 100);
    out += line;
  }
  return out;
}

}  // namespace fw::sim
