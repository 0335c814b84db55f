// Metric evidence: the golden and saturation signals as PromQL range queries
// over [onset - lookback, now], each scored against its own baseline; and a
// scan of every stored series (BARO's view: whatever moved, named or not).

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"
#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr int64_t kStepMs = 15'000;
constexpr double kMovedZ = 4;

struct Series {
  LabelSet labels;
  std::vector<Timestamp> t;
  std::vector<double> v;
};

Result<std::vector<Series>> Range(const metrics::promql::Queryable& q, const std::string& text,
                                  Timestamp from, Timestamp to) {
  auto expr = metrics::promql::ParseExpr(text);
  if (!expr) return Fail(expr.error());
  auto r = metrics::promql::RangeQuery(q, **expr, from, to, kStepMs);
  if (!r) return Fail(r.error());
  std::vector<Series> out;
  for (const auto& m : r->value.matrix) {
    Series s{m.labels, {}, {}};
    for (const auto& x : m.samples) {
      if (std::isnan(x.v)) continue;
      s.t.push_back(x.t);
      s.v.push_back(x.v);
    }
    if (!s.t.empty()) out.push_back(std::move(s));
  }
  return out;
}

enum class Unit { kShare, kSeconds, kCount, kPerSecond };

struct SignalDef {
  MetricFeature Features::*field;
  const char* id;    // evidence id suffix
  const char* name;  // for titles
  const char* query;
  const char* by;  // label of the members, "" = one series
  Unit unit;
  double abs_floor;
  double rel_floor;
};

// The signals the catalog reads. Where a rate may have no series yet (no
// errors at all), `or ... * 0` gives a zero instead of a gap.
const SignalDef kSignals[] = {
    {&Features::error_ratio, "error_ratio", "HTTP 5xx error ratio",
     "(sum(rate(http_requests_total{status=~\"5..\"}[1m])) or vector(0)) / "
     "sum(rate(http_requests_total[1m]))",
     "", Unit::kShare, 0.005, 0.05},
    {&Features::route_errors, "route_errors", "5xx error ratio",
     "(sum by (route) (rate(http_requests_total{status=~\"5..\"}[1m])) or "
     "sum by (route) (rate(http_requests_total[1m])) * 0) / "
     "sum by (route) (rate(http_requests_total[1m]))",
     "route", Unit::kShare, 0.01, 0.05},
    {&Features::instance_errors, "instance_errors", "5xx error ratio",
     "(sum by (instance) (rate(http_requests_total{status=~\"5..\"}[1m])) or "
     "sum by (instance) (rate(http_requests_total[1m])) * 0) / "
     "sum by (instance) (rate(http_requests_total[1m]))",
     "instance", Unit::kShare, 0.01, 0.05},
    {&Features::route_p99, "route_p99", "p99 latency",
     "histogram_quantile(0.99, sum by (le, route) "
     "(rate(http_request_duration_seconds_bucket[1m])))",
     "route", Unit::kSeconds, 0.05, 0.15},
    {&Features::instance_p99, "instance_p99", "p99 latency",
     "histogram_quantile(0.99, sum by (le, instance) "
     "(rate(http_request_duration_seconds_bucket[1m])))",
     "instance", Unit::kSeconds, 0.05, 0.15},
    // Offered traffic: what instances served plus what the balancer had to
    // answer itself because no instance could (down, overloaded).
    {&Features::rps, "request_rate", "request rate",
     // (No vector(0) for the first term: it would invent a quiet baseline
     // from before the service existed.)
     "(sum(rate(http_requests_total[1m])) or 0 * sum(rate(lb_http_responses_total[1m]))) + "
     "(sum(rate(lb_http_responses_total[1m])) or vector(0))",
     "", Unit::kPerSecond, 1, 0.06},
    {&Features::cpu, "cpu", "CPU busy",
     "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))", "instance",
     Unit::kShare, 0.04, 0.05},
    {&Features::heap, "heap", "JVM heap after GC",
     "min_over_time((jvm_memory_used_bytes{area=\"heap\"} / on (instance, area) "
     "jvm_memory_max_bytes{area=\"heap\"})[2m:15s])",
     "instance", Unit::kShare, 0.03, 0.03},
    {&Features::memory, "memory", "host memory used",
     "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "instance", Unit::kShare,
     0.02, 0.03},
    // Pools as HikariCP (Micrometer) or OpenTelemetry's db.client.connections.*
    // semantic conventions name them.
    {&Features::pool_usage, "pool_usage", "connection pool busy",
     "max by (instance) (hikaricp_connections_active / hikaricp_connections_max) or "
     "max by (instance) (db_client_connections_usage{state=\"used\"} / ignoring (state) "
     "db_client_connections_max)",
     "instance", Unit::kShare, 0.05, 0.05},
    {&Features::pool_pending, "pool_pending", "requests waiting for a pooled connection",
     "sum(hikaricp_connections_pending) or sum(db_client_connections_pending_requests)", "",
     Unit::kCount, 1, 0.1},
    {&Features::pool_timeouts, "pool_timeouts", "pool acquire timeouts",
     "sum(rate(hikaricp_connections_timeout_total[1m])) or "
     "sum(rate(db_client_connections_timeouts_total[1m]))",
     "", Unit::kPerSecond, 0.05, 0.1},
    {&Features::db_connections, "db_connections", "database connections in use",
     "max(mysql_global_status_threads_connected / mysql_global_variables_max_connections)", "",
     Unit::kShare, 0.02, 0.03},
    {&Features::db_running, "db_running", "database threads running",
     "max(mysql_global_status_threads_running)", "", Unit::kCount, 2, 0.1},
    {&Features::slow_queries, "slow_queries", "slow queries",
     "sum(rate(mysql_global_status_slow_queries[1m]))", "", Unit::kPerSecond, 0.05, 0.1},
    {&Features::lock_current, "lock_current", "row-lock waits in progress",
     "sum(mysql_global_status_innodb_row_lock_current_waits)", "", Unit::kCount, 1, 0.1},
    {&Features::lock_waits, "lock_waits", "row-lock waits",
     "sum(rate(mysql_global_status_innodb_row_lock_waits[1m]))", "", Unit::kPerSecond, 0.05, 0.1},
    {&Features::up, "up", "instances answering scrapes", "min by (instance) (up)", "instance",
     Unit::kCount, 0.2, 0},
    {&Features::healthy_targets, "healthy_targets", "healthy load-balancer targets",
     "sum(lb_healthy_targets)", "", Unit::kCount, 0.5, 0},
    {&Features::lb_errors, "lb_errors", "load-balancer 5xx answers",
     "sum(rate(lb_http_responses_total{code=~\"5..\"}[1m])) or vector(0)", "", Unit::kPerSecond,
     0.1, 0.1},
};

std::string FormatValue(double v, Unit u) {
  switch (u) {
    case Unit::kShare:
      return FormatPercent(v);
    case Unit::kSeconds:
      return v >= 1 ? FormatNumberShort(v) + " s" : FormatNumberShort(v * 1000) + " ms";
    case Unit::kCount:
      return FormatNumberShort(v);
    case Unit::kPerSecond:
      return FormatNumberShort(v) + "/s";
  }
  return FormatNumberShort(v);
}

std::string Describe(const RobustScore& s, Unit u) {
  return std::string(s.rose() ? "rose" : "dropped") + " from " + FormatValue(s.baseline, u) +
         " to " + FormatValue(s.current, u);
}

std::string Detail(const RobustScore& s, Unit u) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "robust z %.1f (baseline median %s, scale %s)", s.z,
                FormatValue(s.baseline, u).c_str(), FormatValue(s.scale, u).c_str());
  std::string d = buf;
  if (s.first_moved) d += "; left its baseline at " + FormatTime(s.first_moved);
  if (s.extreme != s.current) d += "; extreme " + FormatValue(s.extreme, u);
  return d;
}

void CollectSignal(const metrics::promql::Queryable& q, const SignalDef& def, Features& f,
                   Analysis& a) {
  MetricFeature& mf = f.*def.field;
  mf.query = def.query;
  auto series = Range(q, def.query, f.from, f.now);
  if (!series) {
    a.gaps.push_back(std::string("metric signal ") + def.id + ": " + series.error().message());
    return;
  }
  if (series->empty()) return;
  mf.present = true;
  ScoreOptions o{.baseline_end = f.onset,
                 .threshold = kMovedZ,
                 .abs_floor = def.abs_floor,
                 .rel_floor = def.rel_floor};
  // The aggregate's score is that of the member that moved most.
  std::string worst;
  bool first = true;
  for (const Series& s : *series) {
    RobustScore r = ScoreSeries(s.t, s.v, o);
    const std::string key = def.by[0] ? std::string(s.labels.Get(def.by)) : "";
    if (def.by[0]) mf.by[key] = r;
    if (first || std::abs(r.z) > std::abs(mf.score.z)) {
      mf.score = r;
      worst = key;
    }
    first = false;
  }
  if (std::abs(mf.score.z) < kMovedZ || mf.score.first_moved == 0) return;
  Evidence e;
  e.kind = EvidenceKind::kMetricAnomaly;
  e.id = std::string("metric:") + def.id;
  e.title = std::string(def.name) + (def.by[0] ? " of " + worst : "") + " " +
            Describe(mf.score, def.unit);
  e.detail = Detail(mf.score, def.unit);
  if (def.by[0]) {
    auto moved = mf.Moved(kMovedZ, mf.score.rose() ? 1 : -1);
    e.detail += "; " + std::to_string(moved.size()) + " of " + std::to_string(mf.by.size()) + " " +
                def.by + "s moved the same way";
  }
  e.query = def.query;
  e.language = "promql";
  e.first_moved = mf.score.first_moved;
  e.score = std::min(std::abs(mf.score.z), 1e4);
  mf.evidence_id = e.id;
  a.evidence.push_back(std::move(e));
}

bool LooksLikeCounter(const std::string& name) {
  return name.ends_with("_total") || name.ends_with("_count") || name.ends_with("_sum") ||
         (name.starts_with("mysql_global_status_") && name.find("current") == std::string::npos &&
          name.find("threads") == std::string::npos);
}

}  // namespace

std::vector<std::string> MetricFeature::Moved(double z, int direction) const {
  std::vector<std::string> out;
  for (const auto& [k, s] : by) {
    if (s.z * direction >= z && s.first_moved) out.push_back(k);
  }
  return out;
}

Timestamp MetricFeature::FirstMoved(double z, int direction) const {
  Timestamp best = 0;
  if (by.empty()) {
    return score.z * direction >= z ? score.first_moved : 0;
  }
  for (const auto& [k, s] : by) {
    if (s.z * direction >= z && s.first_moved && (!best || s.first_moved < best)) {
      best = s.first_moved;
    }
  }
  return best;
}

Timestamp MetricFeature::DriftStart(double z, int direction) const {
  Timestamp best = 0;
  auto consider = [&](const RobustScore& s) {
    const Timestamp t = s.drift_start ? s.drift_start : s.first_moved;
    if (s.z * direction >= z && t && (!best || t < best)) best = t;
  };
  if (by.empty()) {
    consider(score);
  } else {
    for (const auto& [k, s] : by) consider(s);
  }
  return best;
}

void CollectMetrics(const metrics::promql::Queryable& q, Features& f, Analysis& a) {
  for (const SignalDef& def : kSignals) CollectSignal(q, def, f, a);
}

void ScanAllSeries(const metrics::promql::Queryable& q, Features& f, Analysis& a) {
  const metrics::LabelMatcher all{metrics::MatchType::kRegexMatch, "__name__", ".+"};
  const auto series = q.Select(std::span(&all, 1), f.from, f.now);
  struct Hit {
    double z;
    Evidence e;
  };
  std::vector<Hit> hits;
  ScoreOptions o{.baseline_end = f.onset, .threshold = 6, .abs_floor = 1e-3, .rel_floor = 0.05};
  for (const auto& s : series) {
    const std::string name(s.labels.Get("__name__"));
    if (name.ends_with("_bucket") || name == "ALERTS" || name == "ALERTS_FOR_STATE" ||
        name.find(':') != std::string::npos) {
      continue;  // buckets are covered by the latency signal; rule outputs are not evidence
    }
    std::vector<Timestamp> t;
    std::vector<double> v;
    for (const auto& x : s.samples) {
      if (std::isnan(x.v)) continue;
      t.push_back(x.t);
      v.push_back(x.v);
    }
    if (t.size() < 8) continue;
    const bool counter = LooksLikeCounter(name);
    if (counter) {
      v = CounterRates(t, v);
      t.erase(t.begin());
    }
    RobustScore r = ScoreSeries(t, v, o);
    if (std::abs(r.z) < 6 || !r.first_moved) continue;
    Evidence e;
    e.kind = EvidenceKind::kMetricAnomaly;
    const std::string shown = s.labels.ToString();
    e.id = "series:" + shown;
    std::string sel = name + "{";
    bool first = true;
    for (const auto& l : s.labels.labels()) {
      if (l.name == "__name__") continue;
      sel += (first ? "" : ",") + l.name + "=\"" + EscapeLabelValue(l.value) + "\"";
      first = false;
    }
    sel += "}";
    e.query = counter ? "rate(" + sel + "[1m])" : sel;
    e.language = "promql";
    e.title = (counter ? "rate of " : "") + sel + (r.rose() ? " rose" : " dropped") + " from " +
              FormatNumberShort(r.baseline) + " to " + FormatNumberShort(r.current);
    char buf[96];
    std::snprintf(buf, sizeof buf, "robust z %.1f against its own baseline", r.z);
    e.detail = std::string(buf) + "; left it at " + FormatTime(r.first_moved);
    e.first_moved = r.first_moved;
    e.score = std::min(std::abs(r.z), 1e4);
    hits.push_back({std::abs(r.z), std::move(e)});
  }
  std::sort(hits.begin(), hits.end(),
            [](const Hit& x, const Hit& y) { return x.z != y.z ? x.z > y.z : x.e.id < y.e.id; });
  constexpr size_t kKeep = 12;
  for (size_t i = 0; i < hits.size() && i < kKeep; ++i) {
    f.anomaly_ids.push_back(hits[i].e.id);
    a.evidence.push_back(std::move(hits[i].e));
  }
}

}  // namespace fw::rca
