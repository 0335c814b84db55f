#include "runbook/sim_adapter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

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

// Unescapes `a="x",b="y"` (the sim's pre-rendered labels) into pairs.
std::vector<Label> ParseLabels(std::string_view s) {
  std::vector<Label> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= s.size()) break;
    Label l{std::string(s.substr(i, eq - i)), ""};
    i = eq + 2;  // past ="
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        l.value += s[i] == 'n' ? '\n' : s[i];
      } else {
        l.value += s[i];
      }
      ++i;
    }
    out.push_back(std::move(l));
    i += 2;  // past ",
  }
  return out;
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
  if (call.action == "kill_db_connections") {
    spec.type = sim::ActionType::kKillDbConnections;
    if (call.args.count("id")) {
      spec.target = Arg(call, "id");
      return spec;
    }
    auto v = Number(call, "idle_seconds");
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
  out.command = {"POST", "/sim/actions", body.dump()};
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
  s.Collect(*this);
}

const LabelSet& SimMetrics::Labels(std::string_view name, std::string_view labels,
                                   std::string_view le) {
  std::string key;
  key.reserve(name.size() + labels.size() + le.size() + 2);
  key.append(name).append("|").append(labels).append("|").append(le);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  std::vector<Label> pairs = ParseLabels(labels);
  pairs.push_back({"__name__", std::string(name)});
  if (!le.empty()) pairs.push_back({"le", std::string(le)});
  return cache_.emplace(std::move(key), LabelSet(std::move(pairs))).first->second;
}

void SimMetrics::Sample(const sim::MetricFamily& family, std::string_view labels, double value) {
  store_.Add(Labels(family.name, labels), {now_, value});
}

void SimMetrics::Histogram(const sim::MetricFamily& family, std::string_view labels,
                           std::span<const double> bounds, std::span<const int64_t> cumulative,
                           double sum) {
  const std::string base = family.name;
  for (size_t b = 0; b < cumulative.size(); ++b) {
    const std::string le = b < bounds.size() ? sim::FormatValue(bounds[b]) : "+Inf";
    store_.Add(Labels(base + "_bucket", labels, le), {now_, static_cast<double>(cumulative[b])});
  }
  store_.Add(Labels(base + "_count", labels), {now_, static_cast<double>(cumulative.back())});
  store_.Add(Labels(base + "_sum", labels), {now_, sum});
}

}  // namespace fw::runbook
