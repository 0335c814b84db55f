// What the simulated system's exporters expose, under the names that
// node_exporter, mysqld_exporter and HikariCP's Prometheus tracker use, the
// Prometheus client conventions for the app's HTTP metrics, and CloudWatch-
// like names for the group and the balancer.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/labels.h"
#include "sim/metric_writer.h"
#include "sim/model.h"

namespace fw::sim {
namespace {

constexpr MetricFamily kUp{"up", MetricType::kGauge, "1 if the target answered its last scrape."};
constexpr MetricFamily kBuildInfo{"app_build_info", MetricType::kGauge,
                                  "The running application version."};
constexpr MetricFamily kRequests{"http_requests_total", MetricType::kCounter,
                                 "HTTP requests served, by route, method and status."};
constexpr MetricFamily kDuration{"http_request_duration_seconds", MetricType::kHistogram,
                                 "HTTP request latency."};
constexpr MetricFamily kCpu{"node_cpu_seconds_total", MetricType::kCounter,
                            "Seconds the CPUs spent in each mode."};
constexpr MetricFamily kMemTotal{"node_memory_MemTotal_bytes", MetricType::kGauge,
                                 "Memory information field MemTotal_bytes."};
constexpr MetricFamily kMemAvail{"node_memory_MemAvailable_bytes", MetricType::kGauge,
                                 "Memory information field MemAvailable_bytes."};
constexpr MetricFamily kRss{"process_resident_memory_bytes", MetricType::kGauge,
                            "Resident memory size in bytes."};
constexpr MetricFamily kJvmUsed{"jvm_memory_used_bytes", MetricType::kGauge,
                                "The amount of used memory."};
constexpr MetricFamily kJvmMax{"jvm_memory_max_bytes", MetricType::kGauge,
                               "The maximum amount of memory that can be used."};
constexpr MetricFamily kPoolActive{"hikaricp_connections_active", MetricType::kGauge,
                                   "Active connections."};
constexpr MetricFamily kPoolIdle{"hikaricp_connections_idle", MetricType::kGauge,
                                 "Idle connections."};
constexpr MetricFamily kPoolPending{"hikaricp_connections_pending", MetricType::kGauge,
                                    "Threads waiting for a connection."};
constexpr MetricFamily kPoolMax{"hikaricp_connections_max", MetricType::kGauge,
                                "Maximum connections."};
constexpr MetricFamily kPoolTimeouts{"hikaricp_connections_timeout_total", MetricType::kCounter,
                                     "Connection acquisitions that timed out."};
constexpr MetricFamily kDbUp{"mysql_up", MetricType::kGauge, "Whether the MySQL server is up."};
constexpr MetricFamily kDbConnected{"mysql_global_status_threads_connected", MetricType::kGauge,
                                    "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbRunning{"mysql_global_status_threads_running", MetricType::kGauge,
                                  "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbMax{"mysql_global_variables_max_connections", MetricType::kGauge,
                              "Generic gauge metric from SHOW GLOBAL VARIABLES."};
constexpr MetricFamily kDbSlow{"mysql_global_status_slow_queries", MetricType::kUntyped,
                               "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbQuestions{"mysql_global_status_questions", MetricType::kUntyped,
                                    "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbLockWaits{"mysql_global_status_innodb_row_lock_waits",
                                    MetricType::kUntyped,
                                    "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbLockCurrent{"mysql_global_status_innodb_row_lock_current_waits",
                                      MetricType::kGauge,
                                      "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kDbAborted{"mysql_global_status_aborted_connects", MetricType::kUntyped,
                                  "Generic metric from SHOW GLOBAL STATUS."};
constexpr MetricFamily kAsgDesired{"asg_desired_capacity", MetricType::kGauge,
                                   "Desired capacity of the auto-scaling group."};
constexpr MetricFamily kAsgInService{"asg_in_service_instances", MetricType::kGauge,
                                     "Instances in service in the auto-scaling group."};
constexpr MetricFamily kLbHealthy{"lb_healthy_targets", MetricType::kGauge,
                                  "Targets passing the load balancer's health checks."};
constexpr MetricFamily kLbResponses{"lb_http_responses_total", MetricType::kCounter,
                                    "Responses the load balancer generated itself, by code."};
constexpr MetricFamily kLbMaintenance{"lb_maintenance_mode", MetricType::kGauge,
                                      "1 while the balancer serves the maintenance page."};

std::string L(std::initializer_list<std::pair<const char*, std::string_view>> labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out += '"';
  }
  return out;
}

void CollectInstance(const World& w, const Instance& i, MetricWriter& out) {
  const auto& env = w.sc.env;
  const bool app_up = i.state == InstanceState::kInService && !i.hung;
  const std::string inst = L({{"instance", i.id}});
  out.Sample(kUp, inst, app_up ? 1 : 0);
  // node_exporter keeps answering while the app restarts.
  static const char* kModes[] = {"idle", "iowait", "system", "user"};
  const double per_cpu[] = {i.cpu_seconds_idle, i.cpu_seconds_iowait, i.cpu_seconds_system,
                            i.cpu_seconds_user};
  for (int c = 0; c < env.instance.cores; ++c) {
    const std::string cpu = std::to_string(c);
    for (int m = 0; m < 4; ++m) {
      out.Sample(kCpu, L({{"cpu", cpu}, {"instance", i.id}, {"mode", kModes[m]}}),
                 std::round(per_cpu[m] / env.instance.cores * 100) / 100);
    }
  }
  const double mb = 1024.0 * 1024.0;
  const double heap_used = app_up ? i.live_heap_mb + i.garbage_mb : 0;
  const double rss = app_up ? (std::max(heap_used, env.instance.heap_mb * 0.6) + 350) * mb : 0;
  out.Sample(kMemTotal, inst, env.instance.memory_mb * mb);
  out.Sample(kMemAvail, inst, std::max(0.0, env.instance.memory_mb * mb - rss - 600 * mb));
  if (!app_up) return;
  out.Sample(kBuildInfo, L({{"instance", i.id}, {"version", i.version}}), 1);
  out.Sample(kRss, inst, std::round(rss));
  out.Sample(kJvmUsed, L({{"area", "heap"}, {"instance", i.id}}), std::round(heap_used * mb));
  out.Sample(kJvmMax, L({{"area", "heap"}, {"instance", i.id}}), env.instance.heap_mb * mb);
  const std::string pool = L({{"instance", i.id}, {"pool", "HikariPool-1"}});
  const double active = std::round(i.pool_active);
  out.Sample(kPoolActive, pool, active);
  out.Sample(kPoolIdle, pool, std::max(0.0, std::round(i.pool_open) - active));
  out.Sample(kPoolPending, pool, std::round(i.pool_pending));
  out.Sample(kPoolMax, pool, i.pool_size);
  out.Sample(kPoolTimeouts, pool, static_cast<double>(i.pool_timeouts));
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteProfile& p = ProfileOf(r);
    for (const auto& [status, n] : i.routes[r].by_status) {
      out.Sample(kRequests,
                 L({{"instance", i.id},
                    {"method", p.method},
                    {"route", p.path},
                    {"status", std::to_string(status)}}),
                 static_cast<double>(n));
    }
  }
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteCounters& rc = i.routes[r];
    std::array<int64_t, kLatencyBuckets.size() + 1> cum{};
    int64_t run = 0;
    for (size_t b = 0; b < cum.size(); ++b) cum[b] = run += rc.buckets[b];
    out.Histogram(kDuration, L({{"instance", i.id}, {"route", ProfileOf(r).path}}), kLatencyBuckets,
                  cum, rc.latency_sum);
  }
}

void CollectDatabase(const World& w, MetricWriter& out) {
  const std::string db = L({{"instance", "db-primary"}});
  out.Sample(kDbUp, db, 1);
  out.Sample(kDbConnected, db, std::round(w.db.threads_connected));
  out.Sample(kDbRunning, db, std::round(w.db.threads_running));
  out.Sample(kDbMax, db, w.db.max_connections);
  out.Sample(kDbSlow, db, static_cast<double>(w.db.slow_queries));
  out.Sample(kDbQuestions, db, static_cast<double>(w.db.questions));
  out.Sample(kDbLockWaits, db, static_cast<double>(w.db.row_lock_waits));
  out.Sample(kDbLockCurrent, db, std::round(w.db.row_lock_current_waits));
  out.Sample(kDbAborted, db, static_cast<double>(w.db.aborted_connects));
}

void CollectGroup(const World& w, MetricWriter& out) {
  int in_service = 0, healthy = 0;
  for (const Instance& i : w.instances) {
    in_service += i.state == InstanceState::kInService;
    healthy += i.registered && i.lb_healthy;
  }
  const std::string asg = L({{"asg", w.sc.env.service + "-asg"}});
  const std::string lb = L({{"lb", w.sc.env.service + "-alb"}});
  out.Sample(kAsgDesired, asg, w.desired);
  out.Sample(kAsgInService, asg, in_service);
  out.Sample(kLbHealthy, lb, healthy);
  out.Sample(kLbMaintenance, lb, w.maintenance ? 1 : 0);
  const std::string lb_name = w.sc.env.service + "-alb";
  for (const auto& [code, n] : w.lb_responses) {
    out.Sample(kLbResponses, L({{"code", std::to_string(code)}, {"lb", lb_name}}),
               static_cast<double>(n));
  }
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shorten when a shorter form round-trips.
  for (int prec = 1; prec < 17; ++prec) {
    char s[32];
    std::snprintf(s, sizeof s, "%.*g", prec, v);
    if (std::strtod(s, nullptr) == v) return s;
  }
  return buf;
}

void Simulator::Collect(MetricWriter& w, std::string_view instance_id) const {
  const World& world = *world_;
  for (const Instance& i : world.instances) {
    if (i.state == InstanceState::kBooting || i.state == InstanceState::kTerminated) continue;
    if (instance_id.empty() || instance_id == i.id) CollectInstance(world, i, w);
  }
  if (instance_id.empty() || instance_id == "db-primary") CollectDatabase(world, w);
  if (instance_id.empty() || instance_id == "cloud") CollectGroup(world, w);
}

}  // namespace fw::sim
