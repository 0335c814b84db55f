// One application instance for one step: worker threads, CPU, heap and GC,
// the connection pool and its queue, and what each request ends as.
//
// The model is a fluid one (rates, not individual requests) so that an hour
// of a large fleet runs in a second; counts are rounded stochastically when
// they become counters and log lines.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/model.h"

namespace fw::sim {
namespace {

constexpr double kErrorCpuMs = 50;       // building and logging an exception
constexpr double kInflightHeapMb = 1.6;  // request buffers, ORM entities
constexpr double kAllocMbPerRequest = 1.5;
constexpr double kLatencySigma = 0.35;  // lognormal spread around a mean

struct Outcome {
  double count;  // requests this step (fluid)
  int status;
  double latency_s;  // mean
  const char* level;
  std::string message;   // for error lines
  bool timeout = false;  // ends at a fixed deadline, so barely spread
};

constexpr double kTimeoutSigma = 0.03;

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Spreads k requests of mean latency `mean` over the histogram buckets.
void AddToHistogram(RouteCounters& rc, std::array<double, kLatencyBuckets.size() + 1>& step,
                    int64_t k, double mean, double sigma) {
  if (k <= 0) return;
  mean = std::max(mean, 0.0005);
  const double mu = std::log(mean) - sigma * sigma / 2;
  int64_t prev = 0;
  for (size_t b = 0; b < kLatencyBuckets.size(); ++b) {
    const double p = NormalCdf((std::log(kLatencyBuckets[b]) - mu) / sigma);
    const int64_t cum = std::llround(p * static_cast<double>(k));
    rc.buckets[b] += cum - prev;
    step[b] += static_cast<double>(cum - prev);
    prev = cum;
  }
  rc.buckets[kLatencyBuckets.size()] += k - prev;
  step[kLatencyBuckets.size()] += static_cast<double>(k - prev);
  rc.latency_sum += static_cast<double>(k) * mean;
  rc.count += k;
}

double SampleLatency(Rng& rng, double mean, double sigma) {
  const double mu = std::log(std::max(mean, 0.0005)) - sigma * sigma / 2;
  return std::exp(mu + sigma * rng.Normal());
}

std::string PoolTimeoutMessage(const World& w) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "HikariPool-1 - Connection is not available, request timed out after %lldms. "
                "(java.sql.SQLTransientConnectionException)",
                static_cast<long long>(w.sc.env.pool.acquire_timeout.count()));
  return buf;
}

// Records one route's outcomes into counters, user-facing stats, retries and
// logs.
void Record(World& w, Instance& inst, int route, const std::vector<Outcome>& outcomes,
            double& error_log_budget) {
  RouteCounters& rc = inst.routes[route];
  double weighted_latency = 0, total = 0;
  for (const Outcome& o : outcomes) {
    if (o.count <= 0) continue;
    const int64_t k = w.rng.RoundCount(o.count);
    weighted_latency += o.count * o.latency_s;
    total += o.count;
    if (k == 0) continue;
    const double sigma = o.timeout ? kTimeoutSigma : kLatencySigma;
    rc.by_status[o.status] += k;
    AddToHistogram(rc, w.step_buckets, k, o.latency_s, sigma);
    const bool error = o.status >= 500;
    w.cur.requests += static_cast<double>(k);
    w.cur.latency_sum += static_cast<double>(k) * o.latency_s;
    w.cur.route_requests[route] += static_cast<double>(k);
    w.cur.route_latency_sum[route] += static_cast<double>(k) * o.latency_s;
    if (error) {
      w.cur.errors += static_cast<double>(k);
      w.cur.route_errors[route] += static_cast<double>(k);
      w.retry_backlog[route] += static_cast<double>(k) * w.sc.traffic.retry;
      const int64_t lines = std::min<int64_t>(k, static_cast<int64_t>(error_log_budget));
      error_log_budget -= static_cast<double>(lines);
      for (int64_t n = 0; n < lines; ++n) {
        EmitLog(w, o.level, &inst, route, o.status, SampleLatency(w.log_rng, o.latency_s, sigma),
                o.message);
      }
    } else {
      const int64_t lines = w.log_rng.RoundCount(static_cast<double>(k) * w.sc.logs.access_sample);
      for (int64_t n = 0; n < lines; ++n) {
        EmitLog(w, "INFO", &inst, route, o.status, SampleLatency(w.log_rng, o.latency_s, sigma),
                "");
      }
    }
  }
  if (total > 0) inst.last_latency[route] = weighted_latency / total;
}

void OutOfMemory(World& w, Instance& inst) {
  ++inst.oom_kills;
  EmitLog(w, "ERROR", &inst, -1, 0, 0,
          "java.lang.OutOfMemoryError: Java heap space; JVM terminated (exit code 137), "
          "restarting");
  // The process dies with its requests; the supervisor restarts it in place.
  RestartApp(w, inst, "OutOfMemoryError");
  inst.registered = true;
}

}  // namespace

void ResetAppState(World& w, Instance& i) {
  const auto& env = w.sc.env;
  i.live_heap_mb = env.instance.heap_mb * 0.25;
  i.garbage_mb = 0;
  i.leaked_heap_mb = 0;
  i.pool_size = w.pool_size;
  i.pool_open = std::min<double>(env.pool.min_idle, i.pool_size);
  i.pool_active = i.pool_pending = 0;
  i.leaked.clear();
  i.concurrency = 0;
  i.gc_overhead = 0.02;
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteProfile& p = ProfileOf(r);
    i.last_latency[r] = p.cpu_ms / 1000 + p.queries * env.database.query_time.count() / 1000.0;
    i.routes[r] = RouteCounters{};
  }
  i.pool_timeouts = 0;
  // A block as large as any pool may grow to (set_pool_size caps at 10000),
  // so ids never overlap between instances after a resize.
  i.first_conn_id = w.db.next_conn_id;
  w.db.next_conn_id += 10'001;
}

void StepInstance(World& w, Instance& inst, const double offered[kRouteCount]) {
  const double dt = w.dt();
  const auto& env = w.sc.env;
  const double acquire_timeout = env.pool.acquire_timeout.count() / 1000.0;
  double error_log_budget = w.sc.logs.max_error_lines_per_second * dt;

  // Not running the app: the balancer answers for it (504 after its idle
  // timeout for a hung process, 502 at once for a refused connection).
  if (inst.state != InstanceState::kInService || inst.hung) {
    const bool hung = inst.hung && inst.state == InstanceState::kInService;
    BalancerAnswers(w, offered, hung ? 504 : 502,
                    hung ? env.balancer.idle_timeout.count() / 1000.0 : 0.002);
    inst.cpu_seconds_idle += env.instance.cores * dt * (hung ? 0.97 : 1.0);
    inst.cpu_seconds_user += env.instance.cores * dt * (hung ? 0.03 : 0.0);
    inst.cpu_util = hung ? 0.03 : 0;
    return;
  }

  // Worker threads: requests beyond maxThreads are rejected.
  double total_rps = 0, demand = 0;
  for (int r = 0; r < kRouteCount; ++r) {
    total_rps += offered[r];
    demand += offered[r] * inst.last_latency[r];
  }
  inst.concurrency = 0.6 * inst.concurrency + 0.4 * demand;
  const double threads = env.instance.worker_threads;
  const double reject = inst.concurrency > threads ? 1 - threads / inst.concurrency : 0;

  // Faults acting on this instance.
  const double leak_share = FaultMagnitude(w, &inst, FaultType::kConnectionLeak, kCheckout);
  const double heap_leak_mb_min = FaultMagnitude(w, &inst, FaultType::kMemoryLeak);
  const double lock_share = FaultMagnitude(w, nullptr, FaultType::kLockContention);
  const double hog = FaultMagnitude(w, &inst, FaultType::kCpuHog);
  const double pay_fault = FaultMagnitude(w, &inst, FaultType::kDependencyTimeout);
  const double pay_latency = std::max(env.payment.latency.count() / 1000.0, pay_fault);
  const double pay_timeout = env.payment.timeout.count() / 1000.0;
  const double lock_wait = env.database.lock_wait_timeout.count() / 1000.0;

  // The pool: a queue of requests waiting for one of the usable connections.
  double accepted[kRouteCount], hold[kRouteCount], query_s[kRouteCount], lock_fail[kRouteCount];
  double db_rate = 0, offered_erlangs = 0;
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteProfile& p = ProfileOf(r);
    accepted[r] = offered[r] * (1 - reject);
    const double slow = std::max(1.0, FaultMagnitude(w, &inst, FaultType::kSlowQuery, r));
    query_s[r] = env.database.query_time.count() / 1000.0 * w.db.query_factor * slow;
    hold[r] = p.queries * query_s[r];
    lock_fail[r] = (r == kCart || r == kCheckout) ? lock_share : 0;
    if (p.queries == 0) continue;
    db_rate += accepted[r];
    offered_erlangs += accepted[r] * ((1 - lock_fail[r]) * hold[r] + lock_fail[r] * lock_wait);
  }
  const double avg_hold = db_rate > 0 ? offered_erlangs / db_rate : 0.01;
  const double usable = std::max(0.0, inst.pool_size - static_cast<double>(inst.leaked.size()));
  double healthy_open = std::max(0.0, inst.pool_open - static_cast<double>(inst.leaked.size()));
  const double want = std::min(
      usable, std::max<double>(env.pool.min_idle, offered_erlangs * 1.3 + inst.pool_pending));
  if (want > healthy_open) {
    const double grant = std::min(want - healthy_open, std::max(0.0, w.db_free_slots));
    w.db_free_slots -= grant;
    if (grant < want - healthy_open && inst.pool_pending > 0.5) w.db_refused += dt;
    healthy_open += grant;
  } else {
    healthy_open -= (healthy_open - want) * std::min(1.0, dt / 600.0);  // idleTimeout
  }
  healthy_open = std::min(healthy_open, usable);

  const double arrivals = db_rate * dt;
  const double capacity = avg_hold > 0 ? healthy_open * dt / avg_hold : arrivals;
  const double queue_before = inst.pool_pending;
  const double served = std::min(queue_before + arrivals, capacity);
  double queue = queue_before + arrivals - served;
  double abandoned = queue * std::min(1.0, dt / acquire_timeout);
  queue -= abandoned;
  // Each waiting request holds a worker thread, so the queue cannot outgrow them.
  if (queue > threads) {
    abandoned += queue - threads;
    queue = threads;
  }
  inst.pool_pending = queue;
  inst.pool_timeouts += w.rng.RoundCount(abandoned);
  const double pool_fail = arrivals > 0 ? std::clamp(abandoned / arrivals, 0.0, 1.0) : 0;
  double pool_wait = 0;
  if (served > 1e-9)
    pool_wait = std::min(acquire_timeout, (queue_before + queue) / 2 / (served / dt));
  else if (arrivals > 0)
    pool_wait = acquire_timeout;
  if (healthy_open > 0.5 && queue < 0.5) {
    const double rho = std::min(0.999, offered_erlangs / healthy_open);
    const double erlang_wait = avg_hold * std::pow(rho, std::sqrt(2 * (healthy_open + 1)) - 1) /
                               (healthy_open * (1 - rho));
    pool_wait += std::min(erlang_wait, acquire_timeout);
  }

  // Connections that leak: the checkout path borrows and never returns one.
  const double checkouts_ok =
      accepted[kCheckout] * dt * (1 - pool_fail) * (1 - lock_fail[kCheckout]);
  const int64_t leaks = w.rng.RoundCount(checkouts_ok * leak_share);
  for (int64_t n = 0; n < leaks && inst.leaked.size() < inst.pool_size; ++n) {
    inst.leaked.push_back({w.db.next_conn_id++, w.now, true});
    healthy_open = std::max(0.0, healthy_open - 1);
    if (n < 3) {
      char msg[220];
      std::snprintf(msg, sizeof msg,
                    "Connection leak detection triggered for com.mysql.cj.jdbc.ConnectionImpl@%llx "
                    "on thread http-nio-8080-exec-%d, stack trace follows "
                    "(at com.shop.checkout.CheckoutService.placeOrder)",
                    static_cast<unsigned long long>(w.log_rng.Next() & 0xffffffff),
                    static_cast<int>(1 + w.log_rng.Below(200)));
      EmitLog(w, "WARN", &inst, kCheckout, 0, 0, msg);
    }
  }
  inst.pool_open = healthy_open + static_cast<double>(inst.leaked.size());
  inst.pool_active =
      std::min(inst.pool_open, served * avg_hold / dt + static_cast<double>(inst.leaked.size()));

  // Heap: live set grows with in-flight requests and leaks; GC reclaims garbage.
  const double inflight = std::min(threads, inst.concurrency);
  inst.leaked_heap_mb += heap_leak_mb_min * dt / 60;
  inst.live_heap_mb =
      env.instance.heap_mb * 0.25 + inst.leaked_heap_mb + inflight * kInflightHeapMb;
  inst.garbage_mb += total_rps * (1 - reject) * kAllocMbPerRequest * dt;
  if (inst.live_heap_mb + inst.garbage_mb > env.instance.heap_mb * 0.85) inst.garbage_mb = 0;
  const double occupancy = inst.live_heap_mb / env.instance.heap_mb;
  // Collectors thrash as the live set nears the heap's size.
  inst.gc_overhead = 0.02 + 12.0 * std::pow(std::max(0.0, occupancy - 0.6), 2);
  if (occupancy >= 0.98) {
    OutOfMemory(w, inst);
    // The process died with its connections: the balancer answers 502.
    BalancerAnswers(w, offered, 502, 0.002);
    return;
  }

  // CPU: request work, exception handling, GC and any runaway thread.
  double failing_rps = 0, work = 0;
  for (int r = 0; r < kRouteCount; ++r) {
    const double f = ProfileOf(r).queries ? pool_fail : 0;
    failing_rps += accepted[r] * f + offered[r] * reject;
    work += accepted[r] * ProfileOf(r).cpu_ms / 1000;
  }
  work += failing_rps * kErrorCpuMs / 1000;
  work = work * (1 + inst.gc_overhead) + hog;
  const double rho_cpu = work / env.instance.cores;
  const double noise = 1 + 0.02 * w.rng.Normal();
  inst.cpu_util = std::clamp(rho_cpu * noise, 0.0, 1.0);
  const double inflation = 1 / (1 - std::min(rho_cpu, 0.95));
  const double overload_s = rho_cpu > 1 ? (rho_cpu - 1) * 2 : 0;
  const double gc_pause_s = inst.gc_overhead * 0.2;
  const double cores_dt = env.instance.cores * dt;
  inst.cpu_seconds_user += cores_dt * inst.cpu_util * 0.82;
  inst.cpu_seconds_system += cores_dt * inst.cpu_util * 0.15;
  inst.cpu_seconds_iowait += cores_dt * (1 - inst.cpu_util) * 0.01;
  inst.cpu_seconds_idle += cores_dt * (1 - inst.cpu_util) * 0.99 + cores_dt * inst.cpu_util * 0.03;

  // Database work this instance sends, for StepDatabase.
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteProfile& p = ProfileOf(r);
    if (!p.queries) continue;
    const double ok = accepted[r] * (1 - pool_fail);
    const double locked = ok * lock_fail[r];
    const double q = (ok - locked) * p.queries;
    w.db_queries += q * dt;
    // A scan without its index mostly waits on pages already cached: its CPU
    // cost grows with the log of the slowdown, not linearly.
    const double slow = query_s[r] / (env.database.query_time.count() / 1000.0 * w.db.query_factor);
    w.db_cpu_demand += q * env.database.query_time.count() / 1000.0 * (1 + std::log(slow));
    w.db_running += q * query_s[r] + locked * lock_wait;
    w.db_lock_waits += locked * dt;
    if (query_s[r] * 1000 >= env.database.slow_query_threshold.count()) w.db_slow += q * dt;
  }

  // What each request ends as.
  const std::string pool_msg = PoolTimeoutMessage(w);
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteProfile& p = ProfileOf(r);
    const double n = offered[r] * dt;
    const double cpu_s = p.cpu_ms / 1000 * inflation + overload_s + gc_pause_s;
    std::vector<Outcome> out;
    out.push_back({n * reject, 503, 0.003, "ERROR",
                   "Thread pool exhausted: request rejected (maxThreads=" +
                       std::to_string(env.instance.worker_threads) + ")"});
    double rest = n * (1 - reject);
    const double err_share = FaultMagnitude(w, &inst, FaultType::kErrorRate, r);
    if (err_share > 0) {
      out.push_back(
          {rest * err_share, 500, cpu_s, "ERROR",
           "java.lang.NullPointerException: Cannot invoke \"com.shop.cart.Cart.getItems()\" "
           "because \"cart\" is null (at com.shop.web.ShopController.handle)"});
      rest *= 1 - err_share;
    }
    double latency = cpu_s;
    if (p.queries) {
      out.push_back({rest * pool_fail, 500, acquire_timeout + cpu_s, "ERROR", pool_msg, true});
      rest *= 1 - pool_fail;
      latency += pool_wait + hold[r];
      if (lock_fail[r] > 0) {
        out.push_back({rest * lock_fail[r], 500, pool_wait + lock_wait + cpu_s, "ERROR",
                       "SQLException: Lock wait timeout exceeded; try restarting transaction "
                       "(SQLState 40001, error 1205) on UPDATE inventory",
                       true});
        rest *= 1 - lock_fail[r];
      }
      if (query_s[r] * 1000 >= env.database.slow_query_threshold.count() &&
          w.log_rng.Uniform() < 0.2) {
        char msg[200];
        std::snprintf(msg, sizeof msg, "Slow query: %.0f ms %s", query_s[r] * 1000, p.sql);
        EmitLog(w, "WARN", &inst, r, 0, query_s[r], msg);
      }
    }
    if (p.calls_payment) {
      if (pay_latency >= pay_timeout) {
        char msg[200];
        std::snprintf(msg, sizeof msg,
                      "PaymentGatewayException: payment provider did not answer within %.0fms "
                      "(POST https://payments.example.com/v1/charges)",
                      pay_timeout * 1000);
        out.push_back({rest, 502, latency + pay_timeout, "ERROR", msg, true});
        rest = 0;
      }
      latency += pay_latency;
    }
    const double idle_timeout = env.balancer.idle_timeout.count() / 1000.0;
    if (latency > idle_timeout) {
      // Slower than the balancer waits: the client gets its 504.
      BalancerAnswer(w, r, rest, 504, idle_timeout);
      rest = 0;
    }
    out.push_back({rest, 200, latency, "INFO", ""});
    Record(w, inst, r, out, error_log_budget);
  }
}

}  // namespace fw::sim
