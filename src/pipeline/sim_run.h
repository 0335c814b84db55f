#pragma once
// SimRun: the pipeline on the embedded simulated production, assembled once
// for the demo, the tests and the benches: a manual clock at the scenario's
// start, the pipeline with no threads, the driver that steps the simulator
// into it, and the simulator standing in for the cluster's API (runbook
// actions) and the database's own view (diagnostics). Approvals are granted
// automatically and the responder acknowledges what it takes on: nobody is
// there to ask.
//
//   auto run = SimRun::Open(std::move(scenario), settings, {.data_dir = dir});
//   while (!(*run)->driver().done()) (*run)->driver().Step();

#include <memory>
#include <string>

#include "pipeline/pipeline.h"
#include "pipeline/sim_driver.h"

namespace fw::pipeline {

struct SimRunOptions {
  std::string data_dir;
  response::ResponseObserver* narrator = nullptr;  // may be null
  Observer* observer = nullptr;                    // may be null
};

class SimRun {
 public:
  // settings: rules, routing, runbooks, grouping; the response policy is
  // set to automatic approval here.
  static Result<std::unique_ptr<SimRun>> Open(sim::Scenario scenario, Settings settings,
                                              const SimRunOptions& options);
  ~SimRun();

  Pipeline& pipeline();
  SimDriver& driver();

  struct Impl;

 private:
  explicit SimRun(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::pipeline
