#include "sim/simulator.h"

#include <algorithm>
#include <cmath>

#include "sim/model.h"

namespace fw::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Requests per second offered per route: the diurnal curve (peak 14:00 UTC),
// noise, surges, and clients retrying last step's failures.
void OfferedTraffic(World& w, double offered[kRouteCount]) {
  const TrafficSpec& t = w.sc.traffic;
  const double hour = static_cast<double>(w.now % 86'400'000) / 3'600'000.0;
  double rps = t.rps * (1 + t.diurnal * std::sin(2 * kPi * (hour - 8) / 24));
  rps *= std::max(0.0, 1 + t.noise * w.rng.Normal());
  const double surge = FaultMagnitude(w, nullptr, FaultType::kTrafficSurge);
  if (surge > 0) rps *= surge;
  const double shares[kRouteCount] = {t.mix.home, t.mix.product, t.mix.cart, t.mix.checkout};
  for (int r = 0; r < kRouteCount; ++r) {
    offered[r] = rps * shares[r] + w.retry_backlog[r] / w.dt();
    w.retry_backlog[r] = 0;
  }
}

void ApplyTimelineEvent(World& w, const TimelineEvent& e) {
  if (e.deploy) {
    w.version_faults[e.deploy->version] = e.deploy->faults;
    for (const FaultSpec& f : e.deploy->faults) {
      if (!f.flag.empty()) w.flags.emplace(f.flag, true);  // flags ship enabled
    }
    StartRollout(w, e.deploy->version, /*is_rollback=*/false, e.deploy->author);
  } else if (e.fault) {
    StartFault(w, *e.fault);
  } else if (e.action) {
    ApplyAction(w, *e.action);
  }
}

double QuantileFromBuckets(const std::array<double, kLatencyBuckets.size() + 1>& b, double q) {
  double total = 0;
  for (double c : b) total += c;
  if (total <= 0) return 0;
  const double rank = q * total;
  double cum = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (cum + b[i] >= rank) {
      if (i == kLatencyBuckets.size()) return kLatencyBuckets.back();
      const double lo = i == 0 ? 0 : kLatencyBuckets[i - 1];
      const double hi = kLatencyBuckets[i];
      return lo + (hi - lo) * (b[i] > 0 ? (rank - cum) / b[i] : 0);
    }
    cum += b[i];
  }
  return kLatencyBuckets.back();
}

void Summarise(World& w) {
  StepStats& s = w.cur;
  double cpu = 0;
  double heap = 0;
  for (const Instance& i : w.instances) {
    s.pool_pending += i.pool_pending;
    s.oom_kills += i.oom_kills;
    if (i.state != InstanceState::kInService) continue;
    ++s.in_service;
    cpu += i.cpu_util;
    s.healthy_targets += i.registered && i.lb_healthy;
    heap = std::max(heap, i.live_heap_mb / w.sc.env.instance.heap_mb);
  }
  s.cpu = s.in_service ? cpu / s.in_service : 0;
  s.heap_max_share = heap;
  s.db_connections = w.db.threads_connected;
  s.db_max_connections = w.db.max_connections;
  s.slow_queries = w.db.slow_queries;
  s.lock_waits = w.db.row_lock_waits;
  s.p95 = QuantileFromBuckets(w.step_buckets, 0.95);
}

}  // namespace

Simulator::Simulator(Scenario scenario) : world_(std::make_unique<World>(std::move(scenario))) {
  World& w = *world_;
  w.now = w.sc.start;
  w.next_scrape = w.sc.start + w.sc.scrape_interval.count();
  InitFleet(w);
  StepDatabase(w);
}

Simulator::~Simulator() = default;

void Simulator::set_sink(SimSink* sink) { world_->sink = sink; }
const Scenario& Simulator::scenario() const { return world_->sc; }
Timestamp Simulator::now() const { return world_->now; }
Timestamp Simulator::end() const { return world_->sc.start + world_->sc.duration.count(); }
const StepStats& Simulator::last() const { return world_->cur; }
const std::vector<StepStats>& Simulator::history() const { return world_->history; }

void Simulator::Step() {
  World& w = *world_;
  w.now += w.sc.step.count();
  w.cur = StepStats{};
  w.cur.t = w.now;
  w.step_buckets.fill(0);
  while (w.next_event < w.sc.events.size() &&
         w.sc.start + w.sc.events[w.next_event].at.count() <= w.now) {
    ApplyTimelineEvent(w, w.sc.events[w.next_event++]);
  }
  ExpireFaults(w);
  StepFleet(w);

  double offered[kRouteCount];
  OfferedTraffic(w, offered);
  std::vector<Instance*> targets;
  if (w.maintenance) {
    for (double o : offered) {
      const int64_t k = w.rng.RoundCount(o * w.dt());
      w.cur.maintenance += static_cast<double>(k);
      w.lb_responses[503] += k;
    }
  } else {
    targets = LbTargets(w);
    // No registered target at all: the balancer answers 503 itself.
    if (targets.empty()) BalancerAnswers(w, offered, 503, 0.001);
  }
  double share[kRouteCount];
  for (int r = 0; r < kRouteCount; ++r) {
    share[r] = targets.empty() ? 0 : offered[r] / static_cast<double>(targets.size());
  }
  const double idle[kRouteCount] = {};
  for (Instance& i : w.instances) {
    if (i.state == InstanceState::kBooting) continue;
    const bool targeted = std::find(targets.begin(), targets.end(), &i) != targets.end();
    StepInstance(w, i, targeted ? share : idle);
  }
  StepDatabase(w);
  Summarise(w);
  w.history.push_back(w.cur);
  if (w.now >= w.next_scrape) {
    if (w.sink) w.sink->OnScrape(w.now, *this);
    w.next_scrape += w.sc.scrape_interval.count();
  }
}

void Simulator::RunUntil(Timestamp t) {
  while (!done() && now() < t) Step();
}

ActionResult Simulator::Apply(const ActionSpec& action) { return ApplyAction(*world_, action); }

void Simulator::InjectFault(const FaultSpec& fault) { StartFault(*world_, fault); }

std::vector<InstanceView> Simulator::Instances() const {
  std::vector<InstanceView> out;
  for (const Instance& i : world_->instances) {
    InstanceView v;
    v.id = i.id;
    v.ip = i.ip;
    v.version = i.version;
    v.state = InstanceStateName(i.state);
    v.registered = i.registered;
    v.healthy = i.lb_healthy;
    v.hung = i.hung;
    v.cpu = i.cpu_util;
    v.heap_used_mb = i.live_heap_mb + i.garbage_mb;
    v.heap_max_mb = world_->sc.env.instance.heap_mb;
    v.pool_active = i.pool_active;
    v.pool_idle = std::max(0.0, i.pool_open - i.pool_active);
    v.pool_pending = i.pool_pending;
    v.pool_max = i.pool_size;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ProcessRow> Simulator::ProcessList() const { return BuildProcessList(*world_); }

}  // namespace fw::sim
