// The hypothesis catalog: for each category, the signature it needs, what
// rules it out, and whether a change can be blamed for it. Scores are sums
// of weighted indicators times penalties for each rule-out; they are
// confidences in the sense of "how well the evidence fits", not
// probabilities.

#include <algorithm>
#include <cctype>
#include <cmath>

#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr double kZ = 4;
constexpr double kSuspectThreshold = 0.6;

struct Draft {
  Hypothesis h;
  double score = 0, penalty = 1;
  // When this hypothesis's own cause signal left its baseline (0 = never):
  // what moved first is more likely the cause than what followed.
  Timestamp cause_moved = 0;
  std::vector<std::string> facts;
  void Add(double weight, const std::string& id, const std::string& fact) {
    score += weight;
    if (!id.empty() && std::find(h.evidence.begin(), h.evidence.end(), id) == h.evidence.end()) {
      h.evidence.push_back(id);
    }
    if (!fact.empty()) facts.push_back(fact);
  }
  // What would confirm the hypothesis, and what the analysis found of it.
  void Check(const std::string& what, bool available, bool found) {
    h.checks.push_back(std::string(!available ? "not checked (no data): "
                                   : found    ? "found: "
                                              : "not found: ") +
                       what);
  }
  void RuleOut(double factor, const std::string& why) {
    penalty *= factor;
    h.ruled_out_by.push_back(why);
  }
};

bool Rose(const MetricFeature& m) { return m.present && m.score.z >= kZ && m.score.first_moved; }

double MaxCurrent(const MetricFeature& m) {
  double best = m.present ? m.score.current : 0;
  for (const auto& [k, s] : m.by) best = std::max(best, s.current);
  return best;
}

std::vector<std::string> Ids(const std::vector<const LogTemplate*>& ts) {
  std::vector<std::string> out;
  for (const LogTemplate* t : ts) out.push_back(t->evidence_id);
  return out;
}

Timestamp Earliest(std::initializer_list<Timestamp> ts) {
  Timestamp best = 0;
  for (Timestamp t : ts) {
    if (t && (!best || t < best)) best = t;
  }
  return best;
}

Timestamp FirstSeen(const std::vector<const LogTemplate*>& ts) {
  Timestamp best = 0;
  for (const LogTemplate* t : ts) best = Earliest({best, t->first_seen});
  return best;
}

// How many times the usual traffic arrives now (1 when unknown or calm).
double TrafficFactor(const Features& f) {
  if (!Rose(f.rps) || f.rps.baseline() <= 0) return 1;
  return f.rps.current() / f.rps.baseline();
}

// Attaches the change that best explains the hypothesis, if any is suspect enough.
void BlameChange(const Features& f, Draft& d, Timestamp first_moved,
                 const std::map<std::string, RobustScore>& per_instance,
                 const std::vector<const LogTemplate*>& templates) {
  double best = 0;
  std::string chosen;  // the suspect's evidence id
  for (const Deploy& dep : f.deploys) {
    std::string reason;
    const double s = ScoreSuspect(dep, first_moved, per_instance, templates, f.deploys, reason);
    // On a tie the later change wins: it is the one that was running.
    if (s < kSuspectThreshold || s < best) {
      if (s > 0 && s < kSuspectThreshold && !reason.empty()) {
        d.h.ruled_out_by.push_back("not blaming " + dep.version + ": " + reason);
      }
      continue;
    }
    best = s;
    chosen = dep.evidence_id;
    SuspectChange c;
    c.service = dep.service;
    c.version = dep.version;
    c.previous_version = dep.previous_version;
    c.who = dep.who;
    c.type = dep.type;
    c.time = dep.start;
    c.score = s;
    c.reason = reason;
    d.h.suspect_change = c;
  }
  if (!chosen.empty()) d.h.evidence.push_back(chosen);
}

Draft PoolExhaustion(const Features& f) {
  Draft d;
  d.h.category = "db_pool_exhaustion";
  const double pool = MaxCurrent(f.pool_usage);
  const auto pool_logs = f.Templates(kLogPool);
  const auto leak_logs = f.Templates(kLogLeak);
  if (pool >= 0.8 || (Rose(f.pool_usage) && pool >= 0.6)) {
    d.Add(0.3, f.pool_usage.evidence_id, "pools are " + FormatPercent(pool) + " busy");
  }
  if (Rose(f.pool_pending))
    d.Add(0.1, f.pool_pending.evidence_id, "requests queue for connections");
  if (Rose(f.pool_timeouts) || !pool_logs.empty()) {
    d.Add(0.15, f.pool_timeouts.evidence_id, "connection acquisitions time out");
    for (const auto& id : Ids(pool_logs)) d.Add(0, id, "");
  }
  if (Rose(f.db_connections)) {
    d.Add(
        0.15, f.db_connections.evidence_id,
        "the database holds " + FormatPercent(f.db_connections.current()) + " of max_connections");
  } else if (f.db.usage >= 0.9) {
    d.Add(0.15, f.db.usage_id,
          "the database holds " + FormatPercent(f.db.usage) + " of max_connections");
  }
  if (!leak_logs.empty() || f.db.app_long_idle >= 3) {
    d.Add(0.3, f.db.leak_id, "connections are checked out and never returned (leak)");
    for (const auto& id : Ids(leak_logs)) d.Add(0, id, "");
  }
  if (f.db.app_long_idle >= 3) {
    d.h.facts["db.name"] = f.db.name;
    d.h.facts["db.app_user"] = f.db.app_user;
    d.h.facts["db.leaked_ids"] = f.db.leaked_ids;
  }
  d.Check("a pool at its limit", f.pool_usage.present || !pool_logs.empty(),
          pool >= 0.8 || !pool_logs.empty());
  d.Check("connections never given back (leak warnings, sessions asleep past the pool's limits)",
          f.db.present || !f.templates.empty(), !leak_logs.empty() || f.db.app_long_idle >= 3);
  if (pool < 0.5 && pool_logs.empty()) d.RuleOut(0.2, "the pools have headroom");
  if (Rose(f.lock_current) || f.db.lock_waits > 0) {
    d.RuleOut(0.5, "row-lock waits hold connections: lock contention");
  }
  // A saturated pool is a symptom; the question is whether its holders are
  // slow (statements run longer) or never give connections back (a leak).
  const bool leaked = !leak_logs.empty() || f.db.app_long_idle >= 3;
  const bool slow_holders = Rose(f.slow_queries) || Rose(f.db_running) || f.db.running_slow >= 3 ||
                            f.db.full_scan || !f.Templates(kLogSlowQuery).empty();
  if (slow_holders && !leaked) {
    d.RuleOut(0.3, "the connections are busy running slower statements, not leaked");
  }
  if (TrafficFactor(f) >= 1.5 && !leaked) {
    d.RuleOut(0.4, "more requests hold more connections: the traffic rose first");
  }
  std::vector<const LogTemplate*> ts = pool_logs;
  ts.insert(ts.end(), leak_logs.begin(), leak_logs.end());
  // When the pool's trouble began: whichever of its signals moved first.
  d.cause_moved = Earliest({f.pool_usage.FirstMoved(kZ, 1), f.db_connections.FirstMoved(kZ, 1),
                            f.pool_pending.FirstMoved(kZ, 1), f.pool_timeouts.FirstMoved(kZ, 1),
                            FirstSeen(leak_logs), FirstSeen(pool_logs)});
  // A leak fills the pool gradually: judge the change by where the climb began.
  BlameChange(
      f, d,
      Earliest({f.pool_usage.DriftStart(kZ, 1), f.db_connections.DriftStart(kZ, 1), d.cause_moved}),
      f.pool_usage.by, ts);
  return d;
}

// Per-instance heap scores as a leak shows them: an instance that died of
// OutOfMemoryError counts from when its heap went past the threshold, even
// though the restart has since reset it.
std::map<std::string, RobustScore> HeapPeaks(const MetricFeature& heap,
                                             const std::vector<const LogTemplate*>& oom) {
  std::map<std::string, RobustScore> out = heap.by;
  for (auto& [inst, s] : out) {
    const bool died = std::any_of(oom.begin(), oom.end(), [&](const LogTemplate* t) {
      return t->by_instance.count(inst) > 0;
    });
    if (!died || s.z >= kZ || s.peak_z < kZ || !s.crossed) continue;
    if (!s.first_moved) s.first_moved = s.crossed;
    s.z = s.peak_z;
    s.extreme = s.baseline + s.peak_z * s.scale;
  }
  return out;
}

Draft MemoryLeak(const Features& f) {
  Draft d;
  d.h.category = "memory_leak";
  const auto oom = f.Templates(kLogOom);
  const std::map<std::string, RobustScore> peaks = HeapPeaks(f.heap, oom);
  std::vector<std::string> rising;
  double heap = MaxCurrent(f.heap);
  Timestamp began = 0, climb = 0;
  for (const auto& [inst, s] : peaks) {
    if (!s.first_moved || s.z < kZ) continue;
    rising.push_back(inst);
    heap = std::max(heap, s.extreme);
    began = Earliest({began, s.first_moved});
    climb = Earliest({climb, s.drift_start ? s.drift_start : s.first_moved});
  }
  // A leak older than the window has no baseline to leave: the heap after
  // GC climbs through the whole window instead, whatever the load.
  int steady = 0;
  Timestamp since = 0;
  for (const auto& [inst, s] : f.heap.by) {
    if (s.trend < 0.9 || s.rise < 0.2 || s.current < 0.6) continue;
    ++steady;
    heap = std::max(heap, s.current);
    if (std::find(rising.begin(), rising.end(), inst) == rising.end()) rising.push_back(inst);
    since = Earliest({since, s.first_sample});
  }
  if (steady > 0) {
    // The climb began at or before the window: no later change started it.
    if (!began) began = since, climb = since - 2 * 60'000;
    d.Add(0.15, f.heap.evidence_id,
          "it has climbed steadily on " + std::to_string(steady) + " instances since " +
              FormatTime(since));
  }
  if (!rising.empty() && heap >= 0.6) {
    d.Add(0.45, f.heap.evidence_id,
          "the heap after GC climbs on " + std::to_string(rising.size()) + " instances, to " +
              FormatPercent(heap));
  }
  if (rising.size() >= 2) d.Add(0.1, "", "");
  if (f.oom_kills > 0 || !oom.empty()) {
    d.Add(0.35, oom.empty() ? "" : oom.front()->evidence_id,
          std::to_string(f.oom_kills) + " OutOfMemoryError kills");
  }
  if (Rose(f.memory)) d.Add(0.1, f.memory.evidence_id, "process memory grows");
  d.Check("the heap after GC climbing on its own", f.heap.present, !rising.empty());
  d.Check("OutOfMemoryError kills", !f.templates.empty() || f.oom_kills > 0,
          f.oom_kills > 0 || !oom.empty());
  if (rising.empty() && oom.empty()) d.RuleOut(0.1, "the heap after GC is flat");
  d.cause_moved = Earliest({began, FirstSeen(oom)});
  // A leak fills the heap while requests run as fast as ever and minutes
  // before anything else moves; requests that pile up (slower, queued for
  // connections) fill it together with latency or after it.
  const Timestamp slower =
      Earliest({f.instance_p99.FirstMoved(kZ, 1), f.route_p99.FirstMoved(kZ, 1),
                f.pool_pending.FirstMoved(kZ, 1)});
  if (slower && d.cause_moved && slower <= d.cause_moved + 30'000) {
    d.RuleOut(0.4, "latency rose at " + FormatTime(slower) +
                       ", no later than the heap filled: requests piled up in it");
  }
  // A leak climbs for a while before it crosses any threshold: judge the
  // change by where the climb began.
  BlameChange(f, d, Earliest({climb, d.cause_moved}), peaks, oom);
  return d;
}

Draft SlowQueries(const Features& f) {
  Draft d;
  d.h.category = "slow_queries";
  const auto slow_logs = f.Templates(kLogSlowQuery);
  if (Rose(f.slow_queries)) d.Add(0.4, f.slow_queries.evidence_id, "the slow-query count climbs");
  if (!slow_logs.empty()) d.Add(0.25, slow_logs.front()->evidence_id, "slow queries are logged");
  const auto slow_routes = f.route_p99.Moved(kZ, 1);
  if (!slow_routes.empty()) {
    d.Add(0.2, f.route_p99.evidence_id, "latency rose on " + slow_routes.front());
  }
  if (Rose(f.db_running)) d.Add(0.15, f.db_running.evidence_id, "database threads pile up");
  if (f.db.running_slow >= 3) {
    d.Add(0.2, f.db.running_id,
          std::to_string(f.db.running_slow) + " application statements run for seconds");
  }
  if (f.db.full_scan) {
    d.Add(0.35, f.db.plan_id, "the slowest statement's plan scans a whole table (missing index)");
    d.Add(0, f.db.slow_id, "");
  }
  if (f.db.long_queries > 0) d.Add(0.1, "", "");
  // Statements below long_query_time never reach the slow log: then the
  // database's running threads and the routes that query it tell.
  const bool db_busier = Rose(f.db_running) || f.db.running_slow >= 3;
  if (db_busier && !slow_routes.empty() && slow_routes.size() < f.route_p99.by.size()) {
    d.Add(0.2, "", "only some routes slowed while the database works harder");
  }
  const double pool = MaxCurrent(f.pool_usage);
  const bool leaked = !f.Templates(kLogLeak).empty() || f.db.app_long_idle >= 3;
  if (db_busier && pool >= 0.8 && !leaked) {
    d.Add(0.15, f.pool_usage.evidence_id,
          "the pools fill because statements hold their connections longer");
  }
  d.Check("statements slower in the database (slow log, running threads, long statements, plans)",
          f.slow_queries.present || f.db_running.present || f.db.present,
          Rose(f.slow_queries) || !slow_logs.empty() || db_busier || f.db.full_scan);
  if (!Rose(f.slow_queries) && slow_logs.empty() && !f.db.full_scan && !db_busier) {
    d.RuleOut(0.15, "the slow-query count is flat and the database is not busier");
  }
  if (TrafficFactor(f) >= 1.5) d.RuleOut(0.4, "more traffic explains a busier database");
  const bool statements_slow =
      Rose(f.slow_queries) || !slow_logs.empty() || f.db.running_slow >= 3 || f.db.full_scan;
  if (!statements_slow && !f.Templates(kLogDependency).empty()) {
    d.RuleOut(0.5, "no statement is slow itself; requests wait on a downstream call");
  }
  if (Rose(f.lock_current) || f.db.lock_waits > 0) {
    d.RuleOut(0.5, "queries wait for row locks rather than run slowly");
  }
  // The database's own signals say when statements slowed; a route's
  // latency moves for many reasons (a rollout's restarts among them).
  d.cause_moved = Earliest(
      {f.slow_queries.FirstMoved(kZ, 1), FirstSeen(slow_logs), f.db_running.FirstMoved(kZ, 1)});
  if (!d.cause_moved) d.cause_moved = f.route_p99.FirstMoved(kZ, 1);
  BlameChange(f, d, d.cause_moved, f.instance_p99.by, slow_logs);
  return d;
}

Draft BadDeployment(const Features& f) {
  Draft d;
  d.h.category = "bad_deployment";
  const auto exceptions = f.Templates(kLogException);
  const auto all_errors = f.Templates(~0u);
  if (Rose(f.error_ratio) || !f.instance_errors.Moved(kZ, 1).empty()) {
    d.Add(0.15, f.error_ratio.evidence_id,
          "the error ratio rose to " + FormatPercent(f.error_ratio.current()));
  }
  if (!exceptions.empty()) {
    d.Add(0.25, exceptions.front()->evidence_id,
          "a new exception is thrown: " + exceptions.front()->pattern);
  }
  d.cause_moved = Earliest({f.instance_errors.FirstMoved(kZ, 1), f.error_ratio.FirstMoved(kZ, 1),
                            FirstSeen(exceptions)});
  BlameChange(f, d, d.cause_moved, f.instance_errors.by,
              exceptions.empty() ? all_errors : exceptions);
  if (d.h.suspect_change) {
    d.Add(0.6 * d.h.suspect_change->score, "",
          "the errors follow " + d.h.suspect_change->version + ": " + d.h.suspect_change->reason);
  } else {
    d.RuleOut(0.3, f.deploys.empty() ? "no deployment, flag or config change before the onset"
                                     : "no change lines up with the errors");
  }
  d.Check("a new application exception", !f.templates.empty() || !all_errors.empty(),
          !exceptions.empty());
  d.Check("a change the failing instances got just before they failed", !f.deploys.empty(),
          d.h.suspect_change.has_value());
  if (exceptions.empty() && !all_errors.empty()) {
    d.RuleOut(0.3, "the new errors name a resource or dependency, not an application bug");
  }
  return d;
}

Draft TrafficSurge(const Features& f) {
  Draft d;
  d.h.category = "traffic_surge";
  const double factor =
      f.rps.present && f.rps.baseline() > 0 ? f.rps.current() / f.rps.baseline() : 1;
  if (Rose(f.rps) && factor >= 1.5) {
    d.Add(0.5 + std::min(0.2, (factor - 1.5) / 10), f.rps.evidence_id,
          "requests rose " + FormatNumberShort(factor) + "x");
  }
  if (f.cpu.Moved(kZ, 1).size() * 2 > f.cpu.by.size()) {
    d.Add(0.2, f.cpu.evidence_id, "CPU rose on most instances");
  }
  if (!f.route_p99.Moved(kZ, 1).empty()) d.Add(0.1, f.route_p99.evidence_id, "");
  d.Check("offered traffic at least 1.5x its usual level", f.rps.present, factor >= 1.5);
  if (factor < 1.5) d.RuleOut(0.05, "the request rate is within its normal range");
  if (factor >= 1.5) d.cause_moved = f.rps.FirstMoved(kZ, 1);
  return d;
}

// Whether `inst` went down because `dep` restarted it: it came back on the
// new version right after it went down, or it is still down but only for
// as long as a restart takes. A rollout restarts; it does not hang or
// crash an instance for minutes.
bool RolloutRestart(const Features& f, const Deploy& dep, const std::string& inst,
                    const RobustScore& up) {
  if (dep.type != "deployment") return false;
  const Timestamp went_down = up.first_moved ? up.first_moved : f.onset;
  auto sw = dep.switched.find(inst);
  if (sw != dep.switched.end()) {
    return sw->second >= went_down - 60'000 && sw->second <= went_down + 3 * 60'000;
  }
  const bool rolling = dep.start <= f.now && (!dep.end || dep.end + 2 * 60'000 >= went_down);
  return rolling && f.now - went_down <= 90'000;
}

Draft InstanceFailure(const Features& f) {
  Draft d;
  d.h.category = "instance_failure";
  const auto hang = f.Templates(kLogHang);
  const auto bad_instances = f.instance_errors.Moved(kZ, 1);
  // Instances down for a reason of their own: not restarted by a rollout.
  int down = 0, restarted = 0;
  std::string rollout;
  for (const auto& [inst, s] : f.up.by) {
    if (!(s.current < 0.5 && s.z <= -kZ)) continue;
    bool by_rollout = false;
    for (const Deploy& dep : f.deploys) {
      if (RolloutRestart(f, dep, inst, s)) by_rollout = true, rollout = dep.version;
    }
    (by_rollout ? restarted : down) += 1;
  }
  std::vector<const InstanceEvent*> crashed;
  for (const InstanceEvent& e : f.instance_events) {
    if (e.unplanned && e.time >= f.from && e.time <= f.now) crashed.push_back(&e);
  }
  const size_t fleet = std::max<size_t>(f.up.by.size(), 1);
  if (down > 0 && static_cast<size_t>(down) < fleet) {
    d.Add(0.5, f.up.evidence_id, std::to_string(down) + " instance(s) stopped answering");
  }
  if (!crashed.empty() && crashed.size() < fleet) {
    d.Add(down > 0 ? 0.2 : 0.55, crashed.front()->evidence_id,
          "instance " + crashed.front()->instance + " " + crashed.front()->state +
              (crashed.front()->reason.empty() ? "" : " (" + crashed.front()->reason + ")"));
  }
  if (Rose(f.lb_errors)) d.Add(0.15, f.lb_errors.evidence_id, "the balancer answers 5xx itself");
  if (f.healthy_targets.present && f.healthy_targets.score.z <= -kZ) {
    d.Add(0.15, f.healthy_targets.evidence_id, "healthy targets dropped");
  }
  if (!hang.empty()) d.Add(0.3, hang.front()->evidence_id, "a watchdog reports a hung process");
  if (!bad_instances.empty() && bad_instances.size() * 3 <= f.instance_errors.by.size()) {
    d.Add(0.2, f.instance_errors.evidence_id, "errors come from " + bad_instances.front());
  }
  d.Check("an instance down that no rollout restarted, a crash event or a hang report",
          f.up.present || !f.instance_events.empty(),
          down > 0 || !crashed.empty() || !hang.empty());
  if (down == 0 && hang.empty() && crashed.empty()) {
    d.RuleOut(0.2, restarted
                       ? "the instances that went down were restarted by the rollout of " + rollout
                       : "every instance answers");
  }
  if (f.oom_kills > 0) d.RuleOut(0.4, "instances restart after OutOfMemoryError: a memory leak");
  d.cause_moved = Earliest({FirstSeen(hang), crashed.empty() ? 0 : crashed.front()->time});
  for (const auto& [inst, s] : f.up.by) {
    if (s.current < 0.5 && s.z <= -kZ) d.cause_moved = Earliest({d.cause_moved, s.first_moved});
  }
  return d;
}

Draft LockContention(const Features& f) {
  Draft d;
  d.h.category = "lock_contention";
  const auto lock_logs = f.Templates(kLogLock);
  if (Rose(f.lock_current) && f.lock_current.current() >= 1) {
    d.Add(0.4, f.lock_current.evidence_id,
          FormatNumberShort(f.lock_current.current()) + " transactions wait for row locks");
  }
  if (Rose(f.lock_waits)) d.Add(0.15, f.lock_waits.evidence_id, "");
  if (f.db.lock_waits > 0) {
    d.Add(Rose(f.lock_current) ? 0.1 : 0.4, f.db.lock_id,
          std::to_string(f.db.lock_waits) + " statements wait for row locks in the database");
  }
  if (!lock_logs.empty())
    d.Add(0.3, lock_logs.front()->evidence_id, "lock wait timeouts fail requests");
  const bool waits = Rose(f.lock_current) || !lock_logs.empty() || f.db.lock_waits > 0;
  if (!f.db.blocker.empty() && waits) {
    d.Add(0.15, f.db.blocker_evidence_id, f.db.blocker + " holds the locks");
    d.h.facts["db.name"] = f.db.name;
    d.h.facts["db.blocker_id"] = f.db.blocker_id;
  }
  d.Check("transactions waiting for row locks, and who holds them",
          f.lock_current.present || f.db.present || !f.templates.empty(), waits);
  if (!waits) d.RuleOut(0.1, "no transaction waits for locks");
  d.cause_moved = Earliest(
      {f.lock_current.FirstMoved(kZ, 1), f.lock_waits.FirstMoved(kZ, 1), FirstSeen(lock_logs)});
  return d;
}

Draft DependencyFailure(const Features& f) {
  Draft d;
  d.h.category = "dependency_failure";
  const auto dep_logs = f.Templates(kLogDependency);
  if (!dep_logs.empty()) {
    d.Add(0.45, dep_logs.front()->evidence_id,
          "a downstream call fails: " + dep_logs.front()->pattern);
  }
  const auto err_routes = f.route_errors.Moved(kZ, 1);
  const auto slow_routes = f.route_p99.Moved(kZ, 1);
  if ((!err_routes.empty() && err_routes.size() * 2 <= f.route_errors.by.size()) ||
      (!slow_routes.empty() && slow_routes.size() * 2 <= f.route_p99.by.size())) {
    d.Add(0.2, err_routes.empty() ? f.route_p99.evidence_id : f.route_errors.evidence_id,
          "only " + (err_routes.empty() ? slow_routes : err_routes).front() + " is affected");
  }
  const bool db_calm = !Rose(f.slow_queries) && !Rose(f.db_running) && !Rose(f.lock_current) &&
                       !Rose(f.db_connections) && f.db.lock_waits == 0 && !f.db.full_scan &&
                       f.db.app_long_idle < 3 && f.db.running_slow < 3;
  if (db_calm && (!err_routes.empty() || !slow_routes.empty())) {
    d.Add(0.15, "", "the database is calm");
  }
  if (!Rose(f.rps) && f.cpu.Moved(kZ, 1).empty()) d.Add(0.1, "", "");
  d.Check("a downstream call failing in the logs", !f.templates.empty(), !dep_logs.empty());
  d.Check("a database that is calm", f.db_running.present || f.db.present, db_calm);
  if (dep_logs.empty()) d.RuleOut(0.3, "no downstream call is failing in the logs");
  d.cause_moved = FirstSeen(dep_logs);
  if (!db_calm) d.RuleOut(0.6, "the database is strained too");
  return d;
}

Draft CpuSaturation(const Features& f) {
  Draft d;
  d.h.category = "cpu_saturation";
  const auto hot = f.cpu.Moved(kZ, 1);
  const double cpu = MaxCurrent(f.cpu);
  if (!hot.empty() && cpu >= 0.8) {
    d.Add(0.5, f.cpu.evidence_id, "CPU of " + hot.front() + " is " + FormatPercent(cpu) + " busy");
  }
  if (!f.route_p99.Moved(kZ, 1).empty()) d.Add(0.15, f.route_p99.evidence_id, "requests slow down");
  if (!Rose(f.rps)) d.Add(0.15, "", "traffic is steady");
  if (f.heap.Moved(kZ, 1).empty()) d.Add(0.1, "", "");
  d.Check("an instance's CPU near its limit without more traffic", f.cpu.present,
          !hot.empty() && cpu >= 0.8 && TrafficFactor(f) < 1.5);
  if (hot.empty() || cpu < 0.7) d.RuleOut(0.15, "CPU has headroom");
  if (Rose(f.rps) && f.rps.baseline() > 0 && f.rps.current() / f.rps.baseline() >= 1.5) {
    d.RuleOut(0.2, "more traffic explains the CPU");
  }
  if (!f.heap.Moved(kZ, 1).empty()) d.RuleOut(0.4, "garbage collection of a filling heap");
  size_t error_lines = 0;
  for (const LogTemplate* t : f.Templates(~0u)) error_lines += t->recent_count;
  if (error_lines > 2000) d.RuleOut(0.4, "the CPU is spent building and logging exceptions");
  d.cause_moved = f.cpu.FirstMoved(kZ, 1);
  BlameChange(f, d, d.cause_moved, f.cpu.by, {});
  return d;
}

// Which signal moved first. Among the hypotheses the evidence supports,
// the one whose own signal left its baseline first is more likely the
// cause, and one whose signal followed well after it more likely its
// consequence: a surge that fills heaps until instances die, lock waits
// that pile up requests, a leak whose retries burn CPU.
constexpr double kSupported = 0.3;
constexpr int64_t kFollowedAfterMs = 90'000;

void OrderByFirstMoved(std::vector<Draft>& drafts) {
  const Draft* first = nullptr;
  for (const Draft& d : drafts) {
    if (d.score * d.penalty < kSupported || !d.cause_moved) continue;
    if (!first || d.cause_moved < first->cause_moved) first = &d;
  }
  if (!first) return;
  const std::string cause = first->h.category;
  const Timestamp at = first->cause_moved;
  for (Draft& d : drafts) {
    if (d.h.category == cause || !d.cause_moved || d.cause_moved <= at + kFollowedAfterMs) continue;
    d.RuleOut(0.5, "its signals moved at " + FormatTime(d.cause_moved) + ", after " + cause +
                       "'s at " + FormatTime(at) + ": more likely a consequence");
  }
}

std::string Explain(const Draft& d) {
  std::string text;
  for (const std::string& fact : d.facts) {
    if (fact.empty()) continue;
    text += (text.empty() ? "" : "; ") + fact;
  }
  if (text.empty()) text = "no part of the signature was found";
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  text += ".";
  if (d.h.suspect_change) {
    text += " Suspect change: " + d.h.suspect_change->service + " " + d.h.suspect_change->version +
            " (from " + d.h.suspect_change->previous_version + ") at " +
            FormatTime(d.h.suspect_change->time) + ".";
  }
  if (!d.h.ruled_out_by.empty()) text += " Against it: " + d.h.ruled_out_by.front() + ".";
  return text;
}

}  // namespace

std::vector<Hypothesis> EvaluateCatalog(const Features& f, const Analysis& a) {
  std::vector<Draft> drafts = {PoolExhaustion(f), MemoryLeak(f),        SlowQueries(f),
                               BadDeployment(f),  TrafficSurge(f),      InstanceFailure(f),
                               LockContention(f), DependencyFailure(f), CpuSaturation(f)};
  OrderByFirstMoved(drafts);
  std::vector<Hypothesis> out;
  for (Draft& d : drafts) {
    d.h.confidence = std::clamp(d.score * d.penalty, 0.0, 1.0);
    d.h.explanation = Explain(d);
    d.h.runbook = d.h.category;
    std::erase_if(d.h.evidence, [&](const std::string& id) {
      return id.empty() || a.FindEvidence(id) == nullptr;
    });
    std::stable_sort(d.h.evidence.begin(), d.h.evidence.end(),
                     [&](const std::string& x, const std::string& y) {
                       return a.FindEvidence(x)->score > a.FindEvidence(y)->score;
                     });
    out.push_back(std::move(d.h));
  }
  std::stable_sort(out.begin(), out.end(), [](const Hypothesis& x, const Hypothesis& y) {
    return x.confidence > y.confidence;
  });
  return out;
}

}  // namespace fw::rca
