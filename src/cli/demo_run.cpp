#include "cli/demo_run.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "alerting/rule_file.h"
#include "cli/demo_receiver.h"
#include "cli/demo_summary.h"
#include "cli/server_common.h"
#include "common/duration.h"
#include "incident/api.h"
#include "logs/api/logs_api.h"
#include "logs/store/log_store.h"
#include "metrics/api/prom_api.h"
#include "pipeline/pipeline.h"
#include "pipeline/sim_driver.h"
#include "pipeline/sim_run.h"
#include "response/responder.h"
#include "server/http.h"
#include "sim/builtin_scenarios.h"
#include "sim/simulator.h"
#include "web/console.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;

sigset_t stop_signals_for_demo;  // blocked before any thread starts (--serve)

// Shipped files (rule pack, runbooks) are found next to the working
// directory's config/ (a checkout), beside the binary (build/firewatch or an
// install's bin/), or in the source tree the binary was built from.
std::string FindShipped(const std::string& relative) {
  std::vector<fs::path> roots = {fs::current_path() / "config"};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    roots.push_back(exe.parent_path().parent_path() / "config");
    roots.push_back(exe.parent_path().parent_path() / "share" / "firewatch" / "config");
  }
  roots.push_back(FW_SOURCE_CONFIG_DIR);
  for (const fs::path& root : roots) {
    if (fs::exists(root / relative, ec)) return (root / relative).string();
  }
  return (roots.front() / relative).string();
}

// "+19:45 14:19:45" : offset from the scenario start, and the wall time of the simulation.
std::string Stamp(Timestamp t, Timestamp start) {
  const int64_t s = (t - start) / 1000;
  char buf[48];
  const std::string iso = FormatRfc3339Millis(t);
  std::snprintf(buf, sizeof buf, "+%02lld:%02lld  %s", static_cast<long long>(s / 60),
                static_cast<long long>(s % 60), iso.substr(11, 8).c_str());
  return buf;
}

class Narrator final : public pipeline::Observer, public response::ResponseObserver {
 public:
  Narrator(std::ostream& out, Timestamp start) : out_(out), start_(start) {}
  void Line(Timestamp t, const char* phase, const std::string& text) {
    out_ << "  " << Stamp(t, start_) << "  " << phase << std::string(10 - std::strlen(phase), ' ')
         << text << "\n"
         << std::flush;
  }
  void OnAlert(const std::string& rule, const LabelSet& labels, bool firing,
               Timestamp at) override {
    std::string where;
    for (const char* key : {"instance", "route"}) {
      if (labels.Has(key)) where += std::string(" ") + key + "=" + std::string(labels.Get(key));
    }
    Line(at, firing ? "ALERT" : "CLEAR", rule + (firing ? " firing" : " resolved") + where);
  }
  void OnDelivery(const std::string& receiver, const std::string& url, bool delivered,
                  const std::string& error) override {
    Line(now_, "NOTIFY",
         (delivered ? "delivered to " : "failed (" + error + ") to ") + receiver + " at " + url);
  }
  void OnEvent(const response::ResponseCase&, const std::string& phase, const std::string& text,
               Timestamp at) override {
    std::string tag = phase;
    if (phase == "containment") tag = "CONTAIN";
    if (phase == "resolution") tag = "RESOLVE";
    if (phase == "recovery") tag = "RECOVER";
    Line(at, tag.c_str(), text);
  }
  void OnIncident(const incident::Incident& inc, bool opened) override {
    auto [it, fresh] = severity_.try_emplace(inc.id, inc.severity);
    if (opened) {
      Line(inc.created_at, "INCIDENT",
           inc.id + " opened, " + std::string(incident::SeverityName(inc.severity)) + ": " +
               inc.title);
    } else if (!fresh && it->second != inc.severity) {
      Line(now_, "INCIDENT",
           inc.id + " severity " + std::string(incident::SeverityName(it->second)) + " -> " +
               std::string(incident::SeverityName(inc.severity)));
    }
    it->second = inc.severity;
  }
  void set_now(Timestamp now) { now_ = now; }

 private:
  std::ostream& out_;
  Timestamp start_;
  Timestamp now_ = 0;
  std::map<std::string, incident::Severity> severity_;
};

Result<sim::Scenario> LoadDemoScenario(const DemoOptions& o) {
  if (!o.scenario_file.empty()) return sim::LoadScenarioFile(o.scenario_file);
  return sim::LoadBuiltinScenario(o.scenario);
}

// 0 = as fast as possible.
Result<double> ParseSpeed(const std::string& text) {
  if (text == "max") return 0.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(v > 0) || !std::isfinite(v)) {
    return Fail(ErrorCode::kInvalidArgument,
                "--speed must be \"max\" or a positive number of simulated seconds per second, "
                "not \"" +
                    text + "\"");
  }
  return v;
}

alerting::RoutingConfig DemoRouting(const std::string& url) {
  alerting::RoutingConfig routing;
  routing.root.receiver = "oncall";
  routing.root.group_by = {"job"};
  routing.root.group_wait = Millis(0);
  routing.root.group_interval = Millis(60'000);
  routing.root.repeat_interval = Millis(4 * 3'600'000);
  alerting::Receiver receiver;
  receiver.name = "oncall";
  receiver.webhooks.push_back({url, true, 0});
  routing.receivers.push_back(receiver);
  return routing;
}

// The first step whose users saw more than 1% errors: the simulator's own
// account, used only to report how fast detection was.
Timestamp FirstErrors(const sim::Simulator& sim) {
  for (const sim::StepStats& s : sim.history()) {
    if (s.error_rate() > 0.01) return s.t;
  }
  return 0;
}

// --serve: the run's stores behind the usual APIs, on the simulation's clock
// (its "now" is where the scenario ended), until SIGINT or SIGTERM.
Result<void> ServeAfterwards(pipeline::Pipeline& p, const DemoOptions& o, std::ostream& out) {
  auto token = AdminTokenFromEnv();
  if (!token) return Fail(token.error());
  server::ServerOptions opts;
  opts.bind_address = o.bind;
  opts.port = o.port;
  opts.tokens.push_back({token->token, server::Role::kAdmin, "admin"});
  server::HttpServer http(opts, p.clock());
  p.RegisterApis(http);
  web::ConsoleOptions console;
  console.public_status = true;  // a finished run on loopback
  web::RegisterWebConsole(http, p.incidents(), p.clock(), console);
  auto port = http.Start();
  if (!port) return Fail(port.error());
  if (token->generated) out << "  admin token for this run: " << token->token << "\n";
  out << "  serving the run's metrics, logs and incidents on http://" << DialableAddress(o.bind)
      << ":" << *port << " (Ctrl-C stops)\n"
      << std::flush;
  int sig = 0;
  sigwait(&stop_signals_for_demo, &sig);
  http.Stop();
  return {};
}

}  // namespace

Result<void> RunDemo(const DemoOptions& o, std::ostream& out) {
  if (o.serve) stop_signals_for_demo = BlockStopSignals();
  auto speed = ParseSpeed(o.speed);
  if (!speed) return Fail(speed.error());
  auto scenario = LoadDemoScenario(o);
  if (!scenario) return Fail(scenario.error());
  const std::string rules_file =
      o.rules_file.empty() ? FindShipped("rules/golden-signals.yml") : o.rules_file;
  alerting::ParsedRules rules = alerting::LoadRuleFile(rules_file);
  if (!rules.errors.empty()) return Fail(rules.errors.front());
  const std::string runbooks_dir =
      o.runbooks_dir.empty() ? FindShipped("runbooks") : o.runbooks_dir;
  runbook::RunbookSet runbooks = runbook::LoadRunbookDir(runbooks_dir);
  if (!runbooks.errors.empty()) return Fail(runbooks.errors.front());
  auto receiver = WebhookReceiver::Start();
  if (!receiver) return Fail(receiver.error());

  const std::string data_dir = o.out_dir + "/data";
  std::error_code ec;
  fs::remove_all(data_dir, ec);  // each demo starts from an empty store
  // The same pipeline as `firewatch serve`, driven step by step in the
  // simulation's time: one incident per service, nobody to ask for approval.
  pipeline::Settings settings;
  settings.alerting.rule_files = {rules_file};
  settings.alerting.routing = DemoRouting((*receiver)->url());
  settings.alerting.external_url = "http://127.0.0.1:9400";
  settings.alerting.incident_group_by = {"job"};
  settings.alerting.auto_resolve = "off";  // the responder resolves what it fixed
  settings.runbooks_dir = runbooks_dir;
  settings.response.vars["labels.service"] = scenario->env.service;
  settings.impact.average_order_value = o.average_order_value;
  DemoOutcome outcome;
  outcome.scenario = scenario->name;
  const std::string description = scenario->description;
  Narrator narrator(out, scenario->start);
  auto run = pipeline::SimRun::Open(std::move(*scenario), std::move(settings),
                                    {data_dir, &narrator, &narrator});
  if (!run) return Fail(run.error());
  pipeline::Pipeline& p = (*run)->pipeline();
  pipeline::SimDriver& sim = (*run)->driver();

  out << "firewatch demo: " << outcome.scenario << ": " << description << "\n"
      << "  simulated production from " << FormatRfc3339Millis(sim.start())
      << "; alerts page the on-call at " << (*receiver)->url() << "\n"
      << "  approvals are granted automatically: no human in the loop\n\n";
  const auto wall_start = std::chrono::steady_clock::now();
  while (!sim.done()) {
    narrator.set_now(sim.now() + 1000);  // what the step is about to produce
    if (auto r = sim.Step(); !r) return r;
    if (*speed > 0) {
      std::this_thread::sleep_until(
          wall_start + std::chrono::duration<double>((sim.now() - sim.start()) / 1000.0 / *speed));
    }
  }
  outcome.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  outcome.first_errors = FirstErrors(sim.simulator());
  const response::Responder& responder = p.responder();
  const std::string report_file = o.report_file.empty() ? o.out_dir + "/report.md" : o.report_file;
  if (auto r = WriteReports(p, sim.now(), responder, report_file, o.report_format,
                            o.average_order_value, outcome);
      !r) {
    return r;
  }
  char wall[32];
  std::snprintf(wall, sizeof wall, "%.1f", outcome.wall_seconds);
  out << "\n  simulated " << FormatDuration(Millis(sim.now() - sim.start())) << " in " << wall
      << " s of wall time\n";
  if (responder.cases().empty()) out << "  no incident: nothing crossed an alert threshold\n";
  for (const std::string& path : outcome.reports) out << "  report: " << path << "\n";
  if (!o.json_file.empty()) {
    std::ofstream json(o.json_file, std::ios::trunc);
    json << DemoSummaryJson(p, sim, responder, outcome);
    if (!json) return Fail(ErrorCode::kIo, "cannot write " + o.json_file);
    out << "  summary: " << o.json_file << "\n";
  }
  if (o.serve) return ServeAfterwards(p, o, out);
  return {};
}

}  // namespace fw::cli
