#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace fw::sim {
namespace {

constexpr std::pair<FaultType, const char*> kFaultNames[] = {
    {FaultType::kConnectionLeak, "connection_leak"},
    {FaultType::kMemoryLeak, "memory_leak"},
    {FaultType::kSlowQuery, "slow_query"},
    {FaultType::kErrorRate, "error_rate"},
    {FaultType::kLockContention, "lock_contention"},
    {FaultType::kInstanceFailure, "instance_failure"},
    {FaultType::kDependencyTimeout, "dependency_timeout"},
    {FaultType::kTrafficSurge, "traffic_surge"},
    {FaultType::kCpuHog, "cpu_hog"},
};

constexpr std::pair<ActionType, const char*> kActionNames[] = {
    {ActionType::kScale, "scale"},
    {ActionType::kRollback, "rollback"},
    {ActionType::kMaintenanceOn, "maintenance_on"},
    {ActionType::kMaintenanceOff, "maintenance_off"},
    {ActionType::kFeatureFlagOn, "feature_flag_on"},
    {ActionType::kFeatureFlagOff, "feature_flag_off"},
    {ActionType::kDeregisterInstance, "deregister_instance"},
    {ActionType::kRestartInstance, "restart_instance"},
    {ActionType::kTerminateInstance, "terminate_instance"},
    {ActionType::kKillDbConnections, "kill_db_connections"},
    {ActionType::kSetPoolSize, "set_pool_size"},
    {ActionType::kSetMaxConnections, "set_max_connections"},
    {ActionType::kAddIndex, "add_index"},
};

template <typename E, size_t N>
std::string NameList(const std::pair<E, const char*> (&table)[N]) {
  std::string out;
  for (const auto& [_, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// A child that is safe to inspect even when absent: yaml-cpp's operator[] on a
// missing key yields a node that throws on use.
YAML::Node Child(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : n) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Walks a YAML tree, converting values and remembering the first error with
// its dotted field path and source position.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  bool ok() const { return !error_; }
  const Error& error() const { return *error_; }

  void Fail(const YAML::Node& at, const std::string& path, const std::string& why) {
    if (error_) return;
    SourceLocation loc{source_, 0, 0};
    if (at.IsDefined() && at.Mark().line >= 0) {
      loc.line = at.Mark().line + 1;
      loc.column = at.Mark().column + 1;
    }
    error_ = Error(ErrorCode::kInvalidArgument, (path.empty() ? "" : path + ": ") + why, loc);
  }

  // Rejects keys outside `allowed`: a typo must not be silently ignored.
  void Keys(const YAML::Node& map, const std::string& path, std::set<std::string> allowed) {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) return Fail(map, path, "expected a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Fail(kv.first, Join(path, key), "unknown field (expected one of: " + list + ")");
      }
    }
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  void Str(const YAML::Node& map, const std::string& path, const char* key, std::string& out) {
    const YAML::Node n = Child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsScalar()) return Fail(n, Join(path, key), "expected a string");
    out = n.as<std::string>();
  }

  void Num(const YAML::Node& map, const std::string& path, const char* key, double& out, double min,
           double max) {
    const YAML::Node n = Child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) {
      return Fail(n, Join(path, key), "expected a number, got \"" + Scalar(n) + "\"");
    }
    if (!(v >= min && v <= max)) {  // written so that NaN fails too
      std::ostringstream why;
      why << "must be between " << min << " and " << max << ", got " << v;
      return Fail(n, Join(path, key), why.str());
    }
    out = v;
  }

  void Int(const YAML::Node& map, const std::string& path, const char* key, int& out, int min,
           int max) {
    double v = out;
    const YAML::Node n = Child(map, key);
    Num(map, path, key, v, min, max);
    if (ok() && v != static_cast<int>(v)) Fail(n, Join(path, key), "expected a whole number");
    out = static_cast<int>(v);
  }

  void Dur(const YAML::Node& map, const std::string& path, const char* key, Millis& out,
           bool allow_zero = false) {
    const YAML::Node n = Child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    auto d = ParseDuration(Scalar(n));
    if (!d) return Fail(n, Join(path, key), d.error().message());
    if (!allow_zero && d->count() == 0) return Fail(n, Join(path, key), "must be > 0");
    out = *d;
  }

  void Bool(const YAML::Node& map, const std::string& path, const char* key, bool& out) {
    const YAML::Node n = Child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      return Fail(n, Join(path, key), "expected true or false");
    }
    out = v;
  }

  static std::string Scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : ""; }

 private:
  std::string source_;
  std::optional<Error> error_;
};

void ReadFault(Reader& r, const YAML::Node& n, const std::string& path, FaultSpec& f) {
  r.Keys(n, path, {"type", "magnitude", "route", "instance", "duration", "flag"});
  r.Str(n, path, "flag", f.flag);
  std::string type;
  r.Str(n, path, "type", type);
  if (!r.ok()) return;
  if (type.empty()) return r.Fail(n, path + ".type", "required");
  auto t = ParseFaultType(type);
  if (!t) return r.Fail(Child(n, "type"), path + ".type", t.error().message());
  f.type = *t;
  r.Num(n, path, "magnitude", f.magnitude, 0, 1e6);
  r.Str(n, path, "route", f.route);
  if (Child(n, "instance").IsDefined()) {
    int idx = 0;
    r.Int(n, path, "instance", idx, 0, 10'000);
    f.instance = idx;
  }
  if (Child(n, "duration").IsDefined()) {
    Millis d{0};
    r.Dur(n, path, "duration", d);
    f.duration = d;
  }
  if (!r.ok()) return;
  if (auto bad = ValidateFault(f); !bad) {
    // The field is the message's first word: route or magnitude.
    const std::string field = bad.error().message().starts_with("route") ? "route" : "magnitude";
    const YAML::Node at = Child(n, field.c_str());
    std::string why = bad.error().message();
    if (why.starts_with(field + ": ")) why = why.substr(field.size() + 2);
    r.Fail(at.IsDefined() ? at : n, path + "." + field, why);
  }
}

void ReadAction(Reader& r, const YAML::Node& n, const std::string& path, ActionSpec& a) {
  r.Keys(n, path, {"type", "target", "value", "actor"});
  std::string type;
  r.Str(n, path, "type", type);
  if (!r.ok()) return;
  if (type.empty()) return r.Fail(n, path + ".type", "required");
  auto t = ParseActionType(type);
  if (!t) return r.Fail(Child(n, "type"), path + ".type", t.error().message());
  a.type = *t;
  r.Str(n, path, "target", a.target);
  r.Num(n, path, "value", a.value, 0, 1e6);
  r.Str(n, path, "actor", a.actor);
}

void ReadEnvironment(Reader& r, const YAML::Node& n, EnvironmentSpec& e) {
  const std::string p = "environment";
  r.Keys(n, p,
         {"service", "version", "instances", "group", "instance", "pool", "database",
          "load_balancer", "payment"});
  r.Str(n, p, "service", e.service);
  r.Str(n, p, "version", e.version);
  if (Child(n, "instances").IsDefined()) {
    r.Int(n, p, "instances", e.group.desired, 0, 1000);
    e.group.min = std::min(e.group.min, e.group.desired);
    e.group.max = std::max(e.group.max, e.group.desired);
  }
  const YAML::Node g = Child(n, "group");
  r.Keys(g, p + ".group", {"desired", "min", "max", "boot_time", "target_cpu", "cooldown"});
  r.Int(g, p + ".group", "desired", e.group.desired, 0, 1000);
  r.Int(g, p + ".group", "min", e.group.min, 0, 1000);
  r.Int(g, p + ".group", "max", e.group.max, 0, 1000);
  r.Dur(g, p + ".group", "boot_time", e.group.boot_time);
  r.Num(g, p + ".group", "target_cpu", e.group.target_cpu, 0, 1);
  r.Dur(g, p + ".group", "cooldown", e.group.scale_cooldown);
  if (r.ok() && (e.group.min > e.group.desired || e.group.desired > e.group.max)) {
    r.Fail(g.IsDefined() ? g : n, p + ".group", "needs min <= desired <= max");
  }
  const YAML::Node i = Child(n, "instance");
  r.Keys(i, p + ".instance", {"cores", "worker_threads", "heap_mb", "memory_mb", "restart_time"});
  r.Int(i, p + ".instance", "cores", e.instance.cores, 1, 256);
  r.Int(i, p + ".instance", "worker_threads", e.instance.worker_threads, 1, 100'000);
  r.Num(i, p + ".instance", "heap_mb", e.instance.heap_mb, 64, 1e6);
  r.Num(i, p + ".instance", "memory_mb", e.instance.memory_mb, 128, 1e7);
  r.Dur(i, p + ".instance", "restart_time", e.instance.restart_time);
  const YAML::Node pl = Child(n, "pool");
  r.Keys(pl, p + ".pool", {"size", "min_idle", "acquire_timeout"});
  r.Int(pl, p + ".pool", "size", e.pool.size, 1, 10'000);
  r.Int(pl, p + ".pool", "min_idle", e.pool.min_idle, 0, 10'000);
  r.Dur(pl, p + ".pool", "acquire_timeout", e.pool.acquire_timeout);
  const YAML::Node d = Child(n, "database");
  r.Keys(d, p + ".database",
         {"max_connections", "cores", "query_time", "lock_wait_timeout", "long_query_time"});
  r.Int(d, p + ".database", "max_connections", e.database.max_connections, 1, 100'000);
  r.Int(d, p + ".database", "cores", e.database.cores, 1, 1024);
  r.Dur(d, p + ".database", "query_time", e.database.query_time);
  r.Dur(d, p + ".database", "lock_wait_timeout", e.database.lock_wait_timeout);
  r.Dur(d, p + ".database", "long_query_time", e.database.slow_query_threshold);
  const YAML::Node lb = Child(n, "load_balancer");
  const std::string lbp = p + ".load_balancer";
  r.Keys(lb, lbp,
         {"health_check_interval", "unhealthy_threshold", "healthy_threshold",
          "health_check_timeout", "idle_timeout", "health_checks_database"});
  r.Dur(lb, lbp, "health_check_interval", e.balancer.health_interval);
  r.Int(lb, lbp, "unhealthy_threshold", e.balancer.unhealthy_threshold, 1, 100);
  r.Int(lb, lbp, "healthy_threshold", e.balancer.healthy_threshold, 1, 100);
  r.Dur(lb, lbp, "health_check_timeout", e.balancer.health_timeout);
  r.Dur(lb, lbp, "idle_timeout", e.balancer.idle_timeout);
  r.Bool(lb, lbp, "health_checks_database", e.balancer.health_checks_database);
  const YAML::Node pay = Child(n, "payment");
  r.Keys(pay, p + ".payment", {"latency", "timeout"});
  r.Dur(pay, p + ".payment", "latency", e.payment.latency);
  r.Dur(pay, p + ".payment", "timeout", e.payment.timeout);
}

void ReadTraffic(Reader& r, const YAML::Node& n, TrafficSpec& t) {
  const std::string p = "traffic";
  r.Keys(n, p, {"rps", "diurnal", "noise", "users", "retry", "mix"});
  r.Num(n, p, "rps", t.rps, 0, 1e6);
  r.Num(n, p, "diurnal", t.diurnal, 0, 0.95);
  r.Num(n, p, "noise", t.noise, 0, 0.5);
  r.Int(n, p, "users", t.users, 1, 100'000'000);
  r.Num(n, p, "retry", t.retry, 0, 1);
  const YAML::Node m = Child(n, "mix");
  if (!m.IsDefined() || m.IsNull()) return;
  r.Keys(m, p + ".mix", {"GET /", "GET /product", "POST /cart", "POST /checkout"});
  t.mix = RouteMix{0, 0, 0, 0};  // a given mix lists every route that gets traffic
  r.Num(m, p + ".mix", "GET /", t.mix.home, 0, 1e6);
  r.Num(m, p + ".mix", "GET /product", t.mix.product, 0, 1e6);
  r.Num(m, p + ".mix", "POST /cart", t.mix.cart, 0, 1e6);
  r.Num(m, p + ".mix", "POST /checkout", t.mix.checkout, 0, 1e6);
  const double total = t.mix.home + t.mix.product + t.mix.cart + t.mix.checkout;
  if (r.ok() && total <= 0) return r.Fail(m, p + ".mix", "shares must not all be zero");
  if (total > 0) {
    t.mix.home /= total;
    t.mix.product /= total;
    t.mix.cart /= total;
    t.mix.checkout /= total;
  }
}

void ReadEvents(Reader& r, const YAML::Node& n, Millis duration, std::vector<TimelineEvent>& out) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsSequence()) return r.Fail(n, "events", "expected a list");
  for (size_t i = 0; i < n.size() && r.ok(); ++i) {
    const YAML::Node e = n[i];
    const std::string p = "events[" + std::to_string(i) + "]";
    r.Keys(e, p, {"at", "deploy", "fault", "action"});
    if (!r.ok()) return;
    TimelineEvent ev;
    ev.line = e.Mark().line + 1;
    if (!Child(e, "at").IsDefined()) return r.Fail(e, p + ".at", "required (offset like 10m)");
    r.Dur(e, p, "at", ev.at, /*allow_zero=*/true);
    if (r.ok() && ev.at > duration) {
      return r.Fail(Child(e, "at"), p + ".at",
                    "is after the end of the scenario (" + FormatDuration(duration) + ")");
    }
    const int kinds = Child(e, "deploy").IsDefined() + Child(e, "fault").IsDefined() +
                      Child(e, "action").IsDefined();
    if (kinds != 1) return r.Fail(e, p, "needs exactly one of deploy, fault, action");
    if (Child(e, "deploy").IsDefined()) {
      const YAML::Node d = Child(e, "deploy");
      DeploySpec spec;
      r.Keys(d, p + ".deploy", {"version", "faults", "author"});
      r.Str(d, p + ".deploy", "version", spec.version);
      r.Str(d, p + ".deploy", "author", spec.author);
      if (r.ok() && spec.version.empty()) return r.Fail(d, p + ".deploy.version", "required");
      const YAML::Node fs = Child(d, "faults");
      if (fs.IsDefined() && !fs.IsNull()) {
        if (!fs.IsSequence()) return r.Fail(fs, p + ".deploy.faults", "expected a list");
        for (size_t k = 0; k < fs.size() && r.ok(); ++k) {
          FaultSpec f;
          ReadFault(r, fs[k], p + ".deploy.faults[" + std::to_string(k) + "]", f);
          spec.faults.push_back(f);
        }
      }
      ev.deploy = spec;
    } else if (Child(e, "fault").IsDefined()) {
      FaultSpec f;
      ReadFault(r, Child(e, "fault"), p + ".fault", f);
      ev.fault = f;
    } else {
      ActionSpec a;
      ReadAction(r, Child(e, "action"), p + ".action", a);
      ev.action = a;
    }
    out.push_back(std::move(ev));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
}

void ReadExpect(Reader& r, const YAML::Node& n, std::optional<Expectation>& out) {
  if (!n.IsDefined() || n.IsNull()) return;
  r.Keys(n, "expect", {"root_cause", "change"});
  if (!r.ok()) return;
  Expectation e;
  r.Str(n, "expect", "root_cause", e.root_cause);
  r.Str(n, "expect", "change", e.change);
  if (r.ok() && e.root_cause.empty()) {
    return r.Fail(n, "expect.root_cause", "required (a hypothesis category)");
  }
  out = e;
}

Result<Timestamp> ParseStart(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return Fail(ErrorCode::kInvalidArgument,
                "expected an RFC 3339 UTC time like 2026-01-15T14:00:00Z, got \"" + text + "\"");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<Timestamp>(timegm(&tm)) * 1000 + ms;
}

}  // namespace

const char* FaultTypeName(FaultType t) {
  for (const auto& [type, name] : kFaultNames) {
    if (type == t) return name;
  }
  return "unknown";
}

Result<FaultType> ParseFaultType(std::string_view name) {
  for (const auto& [type, n] : kFaultNames) {
    if (name == n) return type;
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown fault type \"" + std::string(name) +
                                               "\" (expected one of: " + NameList(kFaultNames) +
                                               ")");
}

Result<void> ValidateFault(FaultSpec& f) {
  if (!f.route.empty()) {
    static const std::set<std::string> kRoutes = {
        "GET /", "GET /product", "POST /cart", "POST /checkout",
        "/",     "/product",     "/cart",      "/checkout"};
    if (!kRoutes.count(f.route)) {
      return Fail(
          ErrorCode::kInvalidArgument,
          "route \"" + f.route + "\" is unknown (expected /, /product, /cart or /checkout)");
    }
    if (f.route.find(' ') != std::string::npos) f.route = f.route.substr(f.route.find(' ') + 1);
  }
  const bool share = f.type == FaultType::kConnectionLeak || f.type == FaultType::kErrorRate ||
                     f.type == FaultType::kLockContention;
  if (share && !(f.magnitude > 0 && f.magnitude <= 1)) {
    return Fail(ErrorCode::kInvalidArgument,
                "magnitude: " + std::string(FaultTypeName(f.type)) + " needs a share in (0, 1]");
  }
  if (!(f.magnitude >= 0 && f.magnitude <= 1e6)) {
    return Fail(ErrorCode::kInvalidArgument, "magnitude must be between 0 and 1e6");
  }
  const bool positive = f.type == FaultType::kMemoryLeak || f.type == FaultType::kSlowQuery ||
                        f.type == FaultType::kDependencyTimeout ||
                        f.type == FaultType::kTrafficSurge || f.type == FaultType::kCpuHog;
  if (positive && f.magnitude <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "magnitude: " + std::string(FaultTypeName(f.type)) + " needs a magnitude > 0");
  }
  if (f.instance && (*f.instance < 0 || *f.instance > 10'000)) {
    return Fail(ErrorCode::kInvalidArgument, "instance must be between 0 and 10000");
  }
  if (f.duration && f.duration->count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "duration must be > 0");
  }
  return {};
}

const char* ActionTypeName(ActionType t) {
  for (const auto& [type, name] : kActionNames) {
    if (type == t) return name;
  }
  return "unknown";
}

Result<ActionType> ParseActionType(std::string_view name) {
  for (const auto& [type, n] : kActionNames) {
    if (name == n) return type;
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown action type \"" + std::string(name) +
                                               "\" (expected one of: " + NameList(kActionNames) +
                                               ")");
}

Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "malformed YAML: " + e.msg,
                {source_name, e.mark.line + 1, e.mark.column + 1});
  }
  if (!root.IsMap()) {
    return Fail(ErrorCode::kInvalidArgument, "a scenario must be a YAML mapping",
                {source_name, 1, 1});
  }
  Reader r(source_name);
  Scenario s;
  try {
    r.Keys(root, "",
           {"name", "description", "seed", "start", "duration", "step", "scrape_interval",
            "environment", "traffic", "logs", "events", "expect"});
    r.Str(root, "", "name", s.name);
    r.Str(root, "", "description", s.description);
    double seed = 1;
    r.Num(root, "", "seed", seed, 0, 9e15);
    s.seed = static_cast<uint64_t>(seed);
    if (Child(root, "start").IsDefined() && r.ok()) {
      auto t = ParseStart(Reader::Scalar(Child(root, "start")));
      if (!t)
        r.Fail(Child(root, "start"), "start", t.error().message());
      else
        s.start = *t;
    }
    r.Dur(root, "", "duration", s.duration);
    r.Dur(root, "", "step", s.step);
    r.Dur(root, "", "scrape_interval", s.scrape_interval);
    if (r.ok() && s.name.empty()) r.Fail(root, "name", "required");
    if (r.ok() && s.step > Millis(60'000))
      r.Fail(Child(root, "step"), "step", "must be at most 1m");
    // Every step keeps a StepStats: bound the run so memory stays bounded.
    constexpr int64_t kMaxSteps = 1'000'000;
    if (r.ok() && s.duration.count() / s.step.count() > kMaxSteps) {
      r.Fail(Child(root, "duration"), "duration",
             "more than 1000000 steps of " + FormatDuration(s.step) +
                 "; use a longer step or a shorter duration");
    }
    if (r.ok() && s.scrape_interval < s.step) {
      r.Fail(Child(root, "scrape_interval"), "scrape_interval", "must be at least the step");
    }
    if (r.ok()) ReadEnvironment(r, Child(root, "environment"), s.env);
    if (r.ok()) ReadTraffic(r, Child(root, "traffic"), s.traffic);
    const YAML::Node logs = Child(root, "logs");
    r.Keys(logs, "logs", {"access_sample", "max_error_lines_per_second"});
    if (r.ok() && logs.IsDefined()) {
      r.Num(logs, "logs", "access_sample", s.logs.access_sample, 0, 1);
      r.Int(logs, "logs", "max_error_lines_per_second", s.logs.max_error_lines_per_second, 0,
            1'000'000);
    }
    if (r.ok()) ReadEvents(r, Child(root, "events"), s.duration, s.events);
    if (r.ok()) ReadExpect(r, Child(root, "expect"), s.expect);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "invalid scenario: " + e.msg,
                {source_name, e.mark.line + 1, e.mark.column + 1});
  }
  if (!r.ok()) return Fail(r.error());
  return s;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read scenario file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseScenario(buf.str(), path);
}

}  // namespace fw::sim
