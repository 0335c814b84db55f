// `firewatch sim serve`: the simulator live over HTTP, for Prometheus to
// scrape and operators (or runbooks) to act on.

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/server_common.h"
#include "cli/sim_common.h"
#include "common/log.h"
#include "server/http.h"
#include "sim/api/forwarders.h"
#include "sim/api/live_sim.h"

namespace fw::cli {
namespace {

struct ServeFlags {
  ScenarioFlags scenario;
  double speed = 1;
  std::string bind = "127.0.0.1";
  int port = 9500;
  std::string advertise;  // host:port for service discovery; default bind:port
  bool exit_when_done = false;
  std::string log_file;        // also append log lines here
  std::string change_webhook;  // also POST change events here
};

void Serve(const ServeFlags& f, ExitStatus& status) {
  auto sc = ResolveScenario(f.scenario);
  if (!sc) return ReportError(sc.error(), status);
  if (!(f.speed > 0 && f.speed <= 1e6)) {
    return ReportError(Error(ErrorCode::kInvalidArgument, "--speed must be in (0, 1000000]"),
                       status);
  }
  // Block the stop signals before any thread starts, then wait for them here.
  sigset_t stop_signals = BlockStopSignals();

  RealClock clock;
  Logger log(clock, std::cerr);
  server::ServerOptions opts;
  opts.bind_address = f.bind;
  opts.port = f.port;
  auto token = AdminTokenFromEnv();
  if (!token) return ReportError(token.error(), status);
  opts.tokens.push_back({token->token, server::Role::kAdmin, "sim-operator"});
  server::HttpServer http(opts, clock, &log);
  sim::LiveSimulator live(std::move(*sc), clock, f.speed);
  std::unique_ptr<sim::LogFileWriter> log_file;
  if (!f.log_file.empty()) {
    auto opened = sim::LogFileWriter::Open(f.log_file);
    if (!opened) return ReportError(opened.error(), status);
    log_file = std::move(*opened);
  }
  std::unique_ptr<sim::ChangePoster> changes;
  if (!f.change_webhook.empty()) {
    changes = std::make_unique<sim::ChangePoster>(f.change_webhook, token->token);
  }
  live.SetLineHooks(
      log_file
          ? sim::LiveSimulator::LineHook([w = log_file.get()](std::string_view l) { w->Write(l); })
          : nullptr,
      changes
          ? sim::LiveSimulator::LineHook([c = changes.get()](std::string_view l) { c->Post(l); })
          : nullptr);
  live.RegisterRoutes(http);
  auto port = http.Start();
  if (!port) return ReportError(port.error(), status);
  live.SetAdvertisedAddress(
      !f.advertise.empty() ? f.advertise : DialableAddress(f.bind) + ":" + std::to_string(*port));
  live.Start();
  log.Info("simulator serving",
           {{"address", f.bind + ":" + std::to_string(*port)}, {"speed", std::to_string(f.speed)}});
  if (token->generated) {
    std::cerr << "firewatch: no FIREWATCH_TOKEN set; write token for this run: " << token->token
              << "\n";
  }
  std::cout << "listening on http://" << f.bind << ":" << *port << std::endl;
  if (f.exit_when_done) {
    timespec poll{0, 200'000'000};
    while (!live.finished()) {
      if (sigtimedwait(&stop_signals, nullptr, &poll) > 0) break;
    }
  } else {
    int sig = 0;
    sigwait(&stop_signals, &sig);
  }
  live.Stop();
  http.Stop();
  log.Info("simulator stopped");
}

}  // namespace

void RegisterSimServe(CLI::App* sim, ExitStatus& status) {
  auto* serve = sim->add_subcommand(
      "serve", "Run a scenario live and serve its metrics, logs, changes and actions over HTTP");
  static ServeFlags flags;
  AddScenarioFlags(serve, flags.scenario);
  serve->add_option("--speed", flags.speed, "Simulated seconds per real second (60 = 1 min/s)")
      ->capture_default_str();
  serve->add_option("--bind", flags.bind, "Address to listen on")->capture_default_str();
  serve->add_option("--port", flags.port, "Port to listen on (0 = any free port)")
      ->capture_default_str();
  serve->add_option("--advertise", flags.advertise,
                    "host:port that /sim/targets hands to Prometheus (default: the bound address)");
  serve->add_option("--log-file", flags.log_file,
                    "Also append the application's log lines (NDJSON) to this file, for a log "
                    "shipper or firewatch's log_files to follow");
  serve->add_option("--change-webhook", flags.change_webhook,
                    "Also POST each change event (deploys, flags, scaling) to this URL, e.g. "
                    "http://127.0.0.1:9400/api/v1/changes, with FIREWATCH_TOKEN as bearer token");
  serve->add_flag("--exit-when-done", flags.exit_when_done,
                  "Exit when the scenario reaches its end instead of serving on");
  serve->footer(
      "Writes (POST /sim/actions, /sim/faults) need `Authorization: Bearer $FIREWATCH_TOKEN`;\n"
      "without FIREWATCH_TOKEN a random token is generated and printed on stderr.\n"
      "See docs/simulator.md for the routes and a Prometheus scrape config.");
  serve->callback([&status] { Serve(flags, status); });
}

}  // namespace fw::cli
