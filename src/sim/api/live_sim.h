#pragma once
// LiveSimulator runs a Simulator in real or accelerated time on a background
// thread and serves it over HTTP, so that a real Prometheus can scrape each
// instance, a log shipper can follow the logs and change events, and an
// operator (or firewatch's runbooks) can act on it.
//
// Routes (registered on an HttpServer; reads need a viewer, writes a responder):
//   GET  /sim/targets                 Prometheus HTTP service discovery
//   GET  /sim/targets/:id/metrics     one target's metrics (text format 0.0.4)
//   GET  /sim/metrics                 every target's metrics (use honor_labels)
//   GET  /sim/logs?after=N&limit=M    log lines as NDJSON, with X-Next-Cursor
//   GET  /sim/changes?after=N         change events as NDJSON, with X-Next-Cursor
//   GET  /sim/status                  clock, scenario, instances, last step
//   GET  /sim/processlist             the database's process list
//   POST /sim/actions                 {"type":"rollback","target":"","value":0}
//   POST /sim/faults                  {"type":"cpu_hog","magnitude":2,...}

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "server/http.h"
#include "sim/scenario.h"

namespace fw::sim {

class LiveSimulator {
 public:
  // speed: simulated seconds per real second. buffer_lines: how many recent
  // log lines (and change events) are kept for readers.
  // REQUIRES: base outlives this object; speed > 0.
  LiveSimulator(Scenario scenario, Clock& base, double speed, size_t buffer_lines = 200'000);
  ~LiveSimulator();  // stops the stepping thread

  // Called with every log line and change event as the simulation makes
  // them, on its thread (before Start()): to write a log file a shipper or
  // firewatch follows, or to post changes to a deploy-event API.
  using LineHook = std::function<void(std::string_view)>;
  void SetLineHooks(LineHook on_log, LineHook on_change);

  // REQUIRES: called before server.Start().
  void RegisterRoutes(server::HttpServer& server);
  // The host:port that service discovery hands to Prometheus; known only once
  // the server has bound its port.
  void SetAdvertisedAddress(const std::string& host_port);
  void Start();           // begins stepping on a background thread
  void Stop();            // idempotent
  bool finished() const;  // the scenario reached its end

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::sim
