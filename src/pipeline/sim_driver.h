#pragma once
// SimDriver: the embedded simulated production as the pipeline's source, in
// the simulation's own time. Each Step() advances the simulator one step
// and hands the pipeline what a real stack would: the metrics as a scrape
// of every target (honor_labels; job = the service; series that vanished
// get stale markers), the application's log lines, the change events; then
// runs one Pipeline::Step at the simulator's time. Single-threaded and
// deterministic: `firewatch demo` runs an hour of production in seconds
// and tests get the same story every time.

#include <memory>

#include "common/clock.h"
#include "pipeline/pipeline.h"
#include "sim/simulator.h"

namespace fw::pipeline {

class SimDriver {
 public:
  // REQUIRES: the pipeline was opened with `clock` and options.threads ==
  // false; both outlive the driver. The driver sets the clock.
  static Result<std::unique_ptr<SimDriver>> Open(sim::Scenario scenario, Pipeline& pipeline,
                                                 ManualClock& clock);
  ~SimDriver();

  Result<void> Step();
  Timestamp now() const;
  Timestamp start() const;
  bool done() const;
  // For action adapters and database diagnostics, which stand in for a real
  // cluster's API; callers serialise access (the driver is single-threaded).
  sim::Simulator& simulator();

  struct Impl;

 private:
  explicit SimDriver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::pipeline
