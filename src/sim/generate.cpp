// The scenario generator. Each class draws its fault so that it shows (an
// alert of the shipped rule pack fires in most draws) without being tuned to
// any analysis: magnitudes come from the environment's own capacity (a leak
// that drains the pool in 4-18 minutes, a hog that takes most of an
// instance's cores), never from what the catalog looks for.

#include "sim/generate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <vector>

#include "sim/rng.h"

namespace fw::sim {
namespace {

constexpr const char* kClasses[] = {
    "db_pool_exhaustion", "memory_leak",        "slow_queries",
    "bad_deployment",     "traffic_surge",      "instance_failure",
    "lock_contention",    "dependency_failure", "cpu_saturation",
};
constexpr int kClassCount = sizeof(kClasses) / sizeof(kClasses[0]);
constexpr int64_t kMin = 60;  // seconds

std::string Fmt(const char* format, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

std::string Secs(int64_t s) {
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed * 0x9e3779b97f4a7c15ULL + 0x5eed) {}
  double Range(double lo, double hi) { return lo + (hi - lo) * rng_.Uniform(); }
  // Log-uniform: magnitudes spread evenly over orders of size.
  double LogRange(double lo, double hi) { return lo * std::pow(hi / lo, rng_.Uniform()); }
  int Int(int lo, int hi) { return lo + static_cast<int>(rng_.Below(hi - lo + 1)); }
  bool Chance(double p) { return rng_.Uniform() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[rng_.Below(N)];
  }
  int Of(std::initializer_list<int> items) { return items.begin()[rng_.Below(items.size())]; }

 private:
  Rng rng_;
};

// The environment a failure hits.
struct Env {
  std::string service, version;
  int n = 6, min = 6, max = 6, cores = 4, threads = 400;
  bool autoscale = false;
  int heap_mb = 2048, restart_s = 30;
  int pool = 40, min_idle = 10, acquire_s = 30;
  int max_connections = 300, db_cores = 16, long_query_ms = 1000, lock_wait_s = 50;
  bool health_db = true;
  int idle_timeout_s = 60, pay_latency_ms = 250, pay_timeout_s = 10;
  int health_interval_s = 10, unhealthy_threshold = 2;
  double rps = 400, diurnal = 0.2, noise = 0.03, peak_util = 0.3;
  double mix[4] = {0.45, 0.30, 0.15, 0.10};  // GET /, GET /product, POST /cart, POST /checkout
  int start_hour = 14;
};

constexpr const char* kRoutes[] = {"/", "/product", "/cart", "/checkout"};
// Unloaded app CPU per request on each route, in ms (sim::ProfileOf).
constexpr double kCpuMs[] = {6, 14, 12, 25};

Env DrawEnv(Draw& d) {
  static const char* kServices[] = {"shop", "store", "checkout-api", "web", "orders"};
  Env e;
  e.service = d.Pick(kServices);
  e.version = Fmt("v%d.%d.%d", d.Int(1, 9), d.Int(0, 20), d.Int(0, 9));
  e.n = d.Int(3, 12);
  e.cores = d.Of({2, 4, 4, 8});
  e.threads = d.Of({200, 400, 1000});
  e.autoscale = d.Chance(0.25);
  e.min = e.autoscale ? std::max(2, e.n - 1) : e.n;
  e.max = e.autoscale ? e.n * 2 + 2 : e.n;
  e.heap_mb = d.Of({1024, 2048, 2048, 4096});
  e.restart_s = d.Int(20, 60);
  e.pool = d.Int(15, 60);
  e.min_idle = std::min(e.pool / 2, d.Int(2, 10));
  e.acquire_s = d.Of({5, 10, 15, 30});
  // Sized as DBAs size it: room for every pool at once, with a margin.
  e.max_connections = static_cast<int>(e.n * e.pool * d.Range(1.3, 2.2));
  e.db_cores = d.Of({8, 16, 32});
  e.long_query_ms = d.Of({100, 200, 500, 1000, 2000});
  e.lock_wait_s = d.Int(10, 50);
  e.health_db = d.Chance(0.5);
  e.idle_timeout_s = d.Of({30, 60, 60, 120});
  // A provider slower than this has a p99 past the latency alert every day.
  e.pay_latency_ms = d.Int(80, 250);
  e.pay_timeout_s = d.Int(4, 15);
  for (double& m : e.mix) m *= d.Range(0.6, 1.4);
  double sum = 0;
  for (double m : e.mix) sum += m;
  for (double& m : e.mix) m /= sum;
  // Traffic from the fleet's capacity: the busiest hour at 12-40% CPU.
  double cpu_ms = 0;
  for (int r = 0; r < 4; ++r) cpu_ms += e.mix[r] * kCpuMs[r];
  e.diurnal = d.Range(0, 0.4);
  e.noise = d.Range(0.02, 0.06);
  e.peak_util = d.Range(0.12, 0.4);
  e.rps = std::round(e.peak_util * e.n * e.cores / (cpu_ms / 1000) / (1 + e.diurnal));
  e.start_hour = d.Int(0, 23);
  return e;
}

std::string EnvYaml(const Env& e) {
  std::string y = "environment:\n";
  y += "  service: " + e.service + "\n  version: " + e.version + "\n";
  y += Fmt("  group: {desired: %d, min: %d, max: %d", e.n, e.min, e.max);
  y += e.autoscale ? ", target_cpu: 0.6, cooldown: 120s}\n" : "}\n";
  y += Fmt("  instance: {cores: %d, worker_threads: %d, heap_mb: %d, restart_time: %ds}\n", e.cores,
           e.threads, e.heap_mb, e.restart_s);
  y += Fmt("  pool: {size: %d, min_idle: %d, acquire_timeout: %ds}\n", e.pool, e.min_idle,
           e.acquire_s);
  y +=
      Fmt("  database: {max_connections: %d, cores: %d, long_query_time: %dms, "
          "lock_wait_timeout: %ds}\n",
          e.max_connections, e.db_cores, e.long_query_ms, e.lock_wait_s);
  y += Fmt(
      "  load_balancer: {health_checks_database: %s, idle_timeout: %ds, "
      "health_check_interval: %ds, unhealthy_threshold: %d}\n",
      e.health_db ? "true" : "false", e.idle_timeout_s, e.health_interval_s,
      e.unhealthy_threshold);
  y += Fmt("  payment: {latency: %dms, timeout: %ds}\n", e.pay_latency_ms, e.pay_timeout_s);
  y += Fmt("traffic:\n  rps: %.0f\n  diurnal: %.2f\n  noise: %.3f\n", e.rps, e.diurnal, e.noise);
  y +=
      Fmt("  mix: {\"GET /\": %.3f, \"GET /product\": %.3f, \"POST /cart\": %.3f, "
          "\"POST /checkout\": %.3f}\n",
          e.mix[0], e.mix[1], e.mix[2], e.mix[3]);
  return y;
}

// The timeline, kept in order of time.
struct Timeline {
  std::vector<std::pair<int64_t, std::string>> events;  // (seconds, YAML body after "at")
  void Add(int64_t at_s, const std::string& body) { events.push_back({at_s, body}); }
  std::string Yaml() {
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::string y = "events:\n";
    for (const auto& [at, body] : events) y += "  - at: " + Secs(at) + "\n    " + body + "\n";
    return y;
  }
};

// Releases are named after the timeline is in order, so that versions rise
// with time: until then each is a placeholder "@N@".
std::string NextVersion(std::string& current) {
  int n = 0;
  std::sscanf(current.c_str(), "@%d@", &n);
  current = "@" + std::to_string(n + 1) + "@";
  return current;
}

// Replaces the placeholders in order of first appearance in `text` with
// versions that follow `base` (patch or minor bumps drawn from `d`).
std::string NameReleases(std::string text, const std::string& base, Draw& d, std::string& change) {
  int major = 0, minor = 0, patch = 0;
  std::sscanf(base.c_str(), "v%d.%d.%d", &major, &minor, &patch);
  for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at)) {
    const size_t end = text.find('@', at + 1);
    if (end == std::string::npos) break;
    const std::string token = text.substr(at, end - at + 1);
    if (d.Chance(0.6)) {
      ++patch;
    } else {
      ++minor, patch = 0;
    }
    const std::string version = Fmt("v%d.%d.%d", major, minor, patch);
    for (size_t p = text.find(token); p != std::string::npos; p = text.find(token, p)) {
      text.replace(p, token.size(), version);
    }
    if (change == token) change = version;
  }
  return text;
}

// What a drawn failure is, before decoys are added around it.
struct Failure {
  std::string variant;      // "deploy", "flag" or "standalone"
  std::string fault;        // the fault's YAML flow map
  std::string extra_fault;  // a second fault at the same time ("" = none)
  std::string description;
  int64_t at_s = 0;              // when the fault starts (the flag flips, the deploy begins)
  std::string change;            // the change to blame ("" = none)
  int64_t length_s = 25 * kMin;  // how long to run after `at_s`
  bool rollout_heals = false;    // a restart ends it: no release right after it
};

std::string Author(Draw& d) {
  static const char* kWho[] = {"alice", "bob", "carol", "dave", "erin", "frank", "ci-bot"};
  return d.Pick(kWho);
}

// Places the fault: in a release, behind a flag turned on later, or on its own.
void Place(Failure& f, Env& e, Timeline& t, Draw& d, double p_deploy, double p_flag) {
  const double u = d.Range(0, 1);
  if (u < p_deploy) {
    f.variant = "deploy";
    f.change = NextVersion(e.version);
    t.Add(f.at_s, "deploy: {version: " + f.change + ", author: " + Author(d) + ", faults: [" +
                      f.fault + (f.extra_fault.empty() ? "" : ", " + f.extra_fault) + "]}");
  } else if (u < p_deploy + p_flag) {
    // The release ships the code dark; turning its flag on is the change.
    static const char* kFlags[] = {"new-checkout", "fast-search", "cart-v2", "batch-writes"};
    const std::string flag = d.Pick(kFlags);
    f.variant = "flag";
    f.change = flag + " on";
    // The dark release rolls out completely (about a minute per instance)
    // before the flag turns it on.
    const int64_t rollout = (e.n + 3) * kMin;
    f.at_s = std::max(f.at_s, rollout + 2 * kMin);
    const int64_t release = std::max<int64_t>(60, f.at_s - rollout - d.Int(0, 8) * kMin);
    std::string faults = f.fault;
    faults.insert(faults.size() - 1, ", flag: " + flag);
    if (!f.extra_fault.empty()) {
      std::string extra = f.extra_fault;
      extra.insert(extra.size() - 1, ", flag: " + flag);
      faults += ", " + extra;
    }
    t.Add(0, "action: {type: feature_flag_off, target: " + flag + ", actor: " + Author(d) + "}");
    t.Add(release, "deploy: {version: " + NextVersion(e.version) + ", author: " + Author(d) +
                       ", faults: [" + faults + "]}");
    t.Add(f.at_s,
          "action: {type: feature_flag_on, target: " + flag + ", actor: " + Author(d) + "}");
  } else {
    f.variant = "standalone";
    t.Add(f.at_s, "fault: " + f.fault);
    if (!f.extra_fault.empty()) t.Add(f.at_s, "fault: " + f.extra_fault);
  }
}

Failure PoolExhaustion(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  const double drain_s = d.Range(4, 18) * kMin;
  const double leak_per_s = e.n * e.pool / drain_s;
  const double mag = std::clamp(leak_per_s / (e.rps * e.mix[3]), 0.002, 0.6);
  f.fault = Fmt("{type: connection_leak, magnitude: %.4f}", mag);
  f.description = "checkouts leak database connections until the pools run dry";
  Place(f, e, t, d, 0.6, 0.2);
  return f;
}

Failure MemoryLeak(Env& e, Timeline& t, Draw& d) {
  Failure f;
  // A long-running release that leaks slowly from the start, or a release
  // (or flag) that leaks fast; OOM kills restart the instances either way.
  const bool slow = d.Chance(0.35);
  const double to_oom_min = slow ? d.Range(18, 40) : d.Range(5, 20);
  const double mb_per_min = e.heap_mb * 0.75 / to_oom_min;
  f.fault = Fmt("{type: memory_leak, magnitude: %.1f}", mb_per_min);
  if (slow) {
    f.at_s = d.Int(0, 2) * kMin;
    f.length_s = static_cast<int64_t>(to_oom_min * kMin) + 20 * kMin;
    f.variant = "standalone";
    f.description = "the running release leaks heap slowly; no recent change";
    t.Add(f.at_s, "fault: " + f.fault);
    return f;
  }
  f.at_s = d.Int(6, 20) * kMin;
  f.length_s = static_cast<int64_t>(to_oom_min * kMin) + 15 * kMin;
  f.description = "the heap fills until OutOfMemoryError kills restart instances";
  Place(f, e, t, d, 0.7, 0.15);
  return f;
}

Failure SlowQueries(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  static const char* kDbRoutes[] = {"/product", "/cart", "/checkout"};
  const std::string route = d.Pick(kDbRoutes);
  // Sometimes slow enough to hold connections until the pool saturates:
  // the pool is then the symptom and the queries the cause.
  const bool saturating = d.Chance(0.3);
  const double mag = saturating ? d.LogRange(60, 300) : d.LogRange(8, 80);
  f.fault = Fmt("{type: slow_query, route: %s, magnitude: %.1f}", route.c_str(), mag);
  f.description = saturating ? "queries of " + route + " slow down and hold the pool's connections"
                             : "queries of " + route + " lose their index and slow down";
  // A release's migration, or an index dropped by hand, or plans that went
  // bad on their own.
  Place(f, e, t, d, 0.5, 0);
  if (f.variant == "deploy") f.description += " after a release's migration";
  return f;
}

Failure BadDeployment(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  const std::string route = d.Pick(kRoutes);
  f.fault =
      Fmt("{type: error_rate, route: %s, magnitude: %.3f}", route.c_str(), d.LogRange(0.04, 0.6));
  f.description = "a release throws an exception on " + route;
  Place(f, e, t, d, 0.75, 0.25);
  return f;
}

Failure TrafficSurge(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  // Enough to take the fleet to or past its CPU, from its drawn utilisation.
  const double factor = std::clamp(d.Range(0.8, 1.6) / e.peak_util, 1.8, 8.0);
  f.fault = Fmt("{type: traffic_surge, magnitude: %.2f, duration: %dm}", factor, d.Int(10, 20));
  f.description = "traffic multiplies for a while";
  Place(f, e, t, d, 0, 0);
  return f;
}

Failure InstanceFailure(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  const bool hang = d.Chance(0.5);
  if (!hang) {
    // A crash shows where one instance is a good share of the fleet and the
    // balancer takes a while to notice (checks every 20-30 s, three misses):
    // elsewhere the group replaces it before any alert.
    const int small = std::min(e.n, d.Int(3, 5));
    e.rps = std::round(e.rps * small / e.n);
    e.n = e.min = small;
    e.max = e.autoscale ? small * 2 + 2 : small;
    e.health_interval_s = d.Int(20, 30);
    e.unhealthy_threshold = 3;
  }
  f.fault =
      Fmt("{type: instance_failure, instance: %d, magnitude: %d}", d.Int(0, e.n - 1), hang ? 1 : 0);
  f.description = hang ? "one instance hangs" : "one instance crashes";
  Place(f, e, t, d, 0, 0);
  // The hard case: an unrelated release rolling out around a crash. (A
  // rollout would restart a hung instance and end the hang.)
  f.rollout_heals = hang;
  if (!hang && d.Chance(0.6)) {
    t.Add(f.at_s - d.Int(0, 3) * kMin,
          "deploy: {version: " + NextVersion(e.version) + ", author: " + Author(d) + "}");
    f.description += " while an unrelated release rolls out";
  }
  return f;
}

Failure LockContention(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  f.fault = Fmt("{type: lock_contention, magnitude: %.3f, duration: %dm}", d.LogRange(0.02, 0.15),
                d.Int(8, 20));
  f.description = "a stuck transaction holds row locks that cart and checkout need";
  Place(f, e, t, d, 0, 0);
  return f;
}

Failure DependencyFailure(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  const double seconds = e.pay_timeout_s * d.Range(0.7, 3);
  f.fault =
      Fmt("{type: dependency_timeout, magnitude: %.1f, duration: %dm}", seconds, d.Int(8, 20));
  f.description = "the payment provider slows down";
  Place(f, e, t, d, 0, 0);
  return f;
}

Failure CpuSaturation(Env& e, Timeline& t, Draw& d) {
  Failure f;
  f.at_s = d.Int(6, 20) * kMin;
  const double cores = std::max(1.0, e.cores * d.Range(0.75, 1.0));
  if (d.Chance(0.25)) {
    // A release with a hot loop: every instance that runs it.
    f.fault = Fmt("{type: cpu_hog, magnitude: %.2f}", cores);
    f.description = "a release burns CPU in a hot loop on every instance";
    Place(f, e, t, d, 1, 0);
    return f;
  }
  const int first = d.Int(0, e.n - 1);
  f.fault = Fmt("{type: cpu_hog, magnitude: %.2f, instance: %d, duration: %dm}", cores, first,
                d.Int(10, 20));
  if (e.n > 2 && d.Chance(0.4)) {
    const int second = (first + d.Int(1, e.n - 1)) % e.n;
    f.extra_fault = Fmt("{type: cpu_hog, magnitude: %.2f, instance: %d, duration: %dm}", cores,
                        second, d.Int(10, 20));
    f.description = "a runaway thread burns the CPU of two instances";
  } else {
    f.description = "a runaway thread burns the CPU of one instance";
  }
  Place(f, e, t, d, 0, 0);
  return f;
}

// Changes that did not cause the failure. A release after a culprit release
// would replace it (and its fault), so releases as decoys come before it.
std::vector<std::string> AddDecoys(const Failure& f, Env& e, Timeline& t, Draw& d) {
  std::vector<std::string> said;
  const int count = d.Int(0, 3);
  // A release takes about a minute per instance to roll out; decoys finish
  // before the culprit starts.
  const int64_t rollout = (e.n + 3) * kMin;
  const int64_t latest_release =
      f.variant == "standalone" && !f.rollout_heals ? f.at_s + 4 * kMin : f.at_s - rollout;
  for (int i = 0; i < count; ++i) {
    switch (d.Int(0, 3)) {
      case 0: {
        const int64_t at =
            d.Int(1, static_cast<int>(std::max<int64_t>(1, latest_release / kMin))) * kMin;
        if (at >= latest_release || (f.variant == "flag" && at >= f.at_s - 2 * rollout)) break;
        t.Add(at, "deploy: {version: " + NextVersion(e.version) + ", author: " + Author(d) + "}");
        said.push_back("a harmless release at " + Secs(at));
        break;
      }
      case 1: {
        static const char* kFlags[] = {"dark-mode", "promo-banner", "recs-v3", "new-footer"};
        const std::string flag = d.Pick(kFlags);
        const int64_t at = std::max<int64_t>(30, f.at_s + d.Int(-12, 4) * kMin);
        if (std::any_of(said.begin(), said.end(),
                        [&](const std::string& s) { return s.find(flag) != std::string::npos; })) {
          break;
        }
        t.Add(at,
              "action: {type: feature_flag_on, target: " + flag + ", actor: " + Author(d) + "}");
        said.push_back("flag " + flag + " on at " + Secs(at));
        break;
      }
      case 2: {
        if (e.max < e.n + 1) break;
        const int64_t at = std::max<int64_t>(30, f.at_s + d.Int(-10, 3) * kMin);
        t.Add(at, Fmt("action: {type: scale, value: %d, actor: %s}", e.n + 1, Author(d).c_str()));
        said.push_back("a scale-out at " + Secs(at));
        break;
      }
      default: {
        const int64_t at = std::max<int64_t>(30, f.at_s + d.Int(-12, 3) * kMin);
        t.Add(at, Fmt("action: {type: set_pool_size, value: %d, actor: %s}", e.pool + d.Int(2, 10),
                      Author(d).c_str()));
        said.push_back("a pool-size config change at " + Secs(at));
        break;
      }
    }
  }
  return said;
}

}  // namespace

Result<GeneratedScenario> GenerateScenario(uint64_t seed, std::string_view only_class) {
  int cls = static_cast<int>(seed % kClassCount);
  if (!only_class.empty()) {
    cls = -1;
    std::string known;
    for (int i = 0; i < kClassCount; ++i) {
      if (only_class == kClasses[i]) cls = i;
      known += (i ? ", " : "") + std::string(kClasses[i]);
    }
    if (cls < 0) {
      return Fail(ErrorCode::kInvalidArgument, "unknown failure class \"" +
                                                   std::string(only_class) +
                                                   "\" (expected one of: " + known + ")");
    }
  }
  Draw d(seed);
  Env e = DrawEnv(d);
  const std::string first_version = e.version;
  e.version = "@0@";  // releases count up from here (NextVersion)
  Timeline t;
  Failure (*const kDraw[])(Env&, Timeline&, Draw&) = {
      PoolExhaustion,  MemoryLeak,     SlowQueries,       BadDeployment, TrafficSurge,
      InstanceFailure, LockContention, DependencyFailure, CpuSaturation};
  Failure f = kDraw[cls](e, t, d);
  const std::vector<std::string> decoys = AddDecoys(f, e, t, d);

  GeneratedScenario g;
  g.fault_class = kClasses[cls];
  g.variant = f.variant;
  g.failure_at = Millis(f.at_s * 1000);
  std::string change = f.change;
  const std::string events = NameReleases(t.Yaml(), first_version, d, change);
  f.change = change;
  std::string& y = g.yaml;
  y = "# Drawn by `firewatch sim generate --seed " + std::to_string(seed) + "`: " + f.description +
      (f.change.empty() ? "" : " (the change to blame: " + f.change + ")") + ".\n";
  if (!decoys.empty()) {
    y += "# Decoys:";
    for (size_t i = 0; i < decoys.size(); ++i) y += (i ? "; " : " ") + decoys[i];
    y += ".\n";
  }
  y += "name: gen-" + std::to_string(seed) + "\n";
  y += "description: " + g.fault_class + " (" + f.variant + ")\n";
  y += "seed: " + std::to_string(seed) + "\n";
  y += Fmt("start: 2026-01-15T%02d:00:00Z\n", e.start_hour);
  y += "duration: " + Secs(f.at_s + f.length_s) + "\n";
  Env shown = e;
  shown.version = first_version;
  y += EnvYaml(shown);
  y += events;
  y += "expect: {root_cause: " + g.fault_class +
       (f.change.empty() ? "" : ", change: \"" + f.change + "\"") + "}\n";
  auto sc = ParseScenario(y, g.fault_class + " scenario of seed " + std::to_string(seed));
  if (!sc) return Fail(sc.error().WithContext("generated scenario"));
  g.scenario = std::move(*sc);
  return g;
}

}  // namespace fw::sim
