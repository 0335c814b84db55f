#include "runbook/sim_adapter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "metrics/model.h"
#include "runbook/promql_eval.h"

namespace fw::runbook {
namespace {

Result<double> Number(const ActionCall& call, const std::string& key) {
  const std::string& s = call.args.at(key);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return Fail(ErrorCode::kInvalidArgument,
                call.action + ": argument " + key + " must be a number, got \"" + s + "\"");
  }
  return v;
}

std::string Arg(const ActionCall& call, const std::string& key) {
  auto it = call.args.find(key);
  return it == call.args.end() ? "" : it->second;
}

// The release most instances run: what a deploy dashboard shows as live.
std::map<std::string, int> LiveVersions(const sim::Simulator& sim) {
  std::map<std::string, int> n;
  for (const sim::InstanceView& v : sim.Instances()) ++n[v.version];
  return n;
}

}  // namespace

Result<sim::ActionSpec> SimAdapter::ToSpec(const ActionCall& call, std::string& note) const {
  static const std::map<std::string, std::pair<sim::ActionType, const char*>> kDirect = {
      {"maintenance_on", {sim::ActionType::kMaintenanceOn, ""}},
      {"maintenance_off", {sim::ActionType::kMaintenanceOff, ""}},
      {"feature_flag_on", {sim::ActionType::kFeatureFlagOn, "flag"}},
      {"feature_flag_off", {sim::ActionType::kFeatureFlagOff, "flag"}},
      {"deregister_instance", {sim::ActionType::kDeregisterInstance, "instance"}},
      {"restart_instance", {sim::ActionType::kRestartInstance, "instance"}},
      {"terminate_instance", {sim::ActionType::kTerminateInstance, "instance"}},
      {"rollback", {sim::ActionType::kRollback, ""}},
  };
  sim::ActionSpec spec{sim::ActionType::kScale, "", 0, actor_};
  if (auto it = kDirect.find(call.action); it != kDirect.end()) {
    spec.type = it->second.first;
    if (*it->second.second) spec.target = Arg(call, it->second.second);
    return spec;
  }
  if (call.action == "kill_db_connections" || call.action == "kill_connections") {
    spec.type = sim::ActionType::kKillDbConnections;
    if (call.args.count("id")) {
      spec.target = Arg(call, "id");
      return spec;
    }
    // The simulated database ends sessions by idle time only: user and
    // state filters do not narrow it.
    auto v = Number(call, call.action == "kill_connections" ? "min_age" : "idle_seconds");
    if (!v) return Fail(v.error());
    spec.value = *v;
    return spec;
  }
  if (call.action == "add_index") {
    spec.type = sim::ActionType::kAddIndex;
    spec.target = Arg(call, "route");
    return spec;
  }
  if (call.action == "set_pool_size" || call.action == "set_max_connections") {
    const bool pool = call.action == "set_pool_size";
    spec.type = pool ? sim::ActionType::kSetPoolSize : sim::ActionType::kSetMaxConnections;
    auto v = Number(call, pool ? "size" : "value");
    if (!v) return Fail(v.error());
    spec.value = *v;
    return spec;
  }
  if (call.action == "scale") {
    const bool by = call.args.count("by") > 0;
    auto v = Number(call, by ? "by" : "to");
    if (!v) return Fail(v.error());
    const int current = static_cast<int>(sim_.Instances().size());
    double want = by ? current + *v : *v;
    const int max = sim_.scenario().env.group.max;
    if (want > max) {
      note = " (asked for " + FormatNumber(want) + ", capped at the group's maximum " +
             std::to_string(max) + ")";
      want = max;
    }
    spec.value = std::round(want);
    return spec;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "the sim adapter cannot run \"" + call.action +
                  "\"; use restart_instance per instance, or another adapter");
}

Result<ActionOutcome> SimAdapter::Run(const ActionCall& call, bool dry_run) {
  std::string note;
  auto spec = ToSpec(call, note);
  if (!spec) return Fail(spec.error());
  nlohmann::json body = {{"type", sim::ActionTypeName(spec->type)}};
  if (!spec->target.empty()) body["target"] = spec->target;
  if (spec->value != 0) body["value"] = spec->value;
  ActionOutcome out;
  out.command = {"POST", "/sim/actions",
                 body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  if (call.action == "rollback" && !Arg(call, "version").empty()) {
    // Refuse to roll back a release that is not live: a second rollback would
    // take the service further back than anyone asked.
    const auto live = LiveVersions(sim_);
    if (!live.count(Arg(call, "version"))) {
      std::string running;
      for (const auto& [v, n] : live) running += (running.empty() ? "" : ", ") + v;
      out.output = "release " + Arg(call, "version") + " is not live (running: " + running +
                   "); nothing to roll back";
      return out;
    }
  }
  if (dry_run) {
    out.ok = true;
    out.output = note.empty() ? "" : note.substr(1);
    return out;
  }
  const sim::ActionResult r = sim_.Apply(*spec);
  out.ok = r.accepted;
  out.output = r.message + note;
  out.effective_at = r.effective_at;
  return out;
}

void SimMetrics::OnScrape(Timestamp t, const sim::Simulator& s) {
  now_ = t;
  s.Collect(writer_);
  for (const LabelSet& gone : vanished_.EndScrape()) store_.Add(gone, {now_, metrics::StaleNaN()});
}

}  // namespace fw::runbook
