#include "pipeline/sim_run.h"

#include "rca/sim/sim_db_diagnostics.h"
#include "runbook/sim_adapter.h"

namespace fw::pipeline {
namespace {

// The pipeline is opened before the driver creates the simulator: the
// responder's adapter and diagnostics forward to targets bound right after.
struct LateAdapter final : runbook::ActionAdapter {
  runbook::ActionAdapter* target = nullptr;
  std::string name() const override { return "sim"; }
  Result<runbook::ActionOutcome> Run(const runbook::ActionCall& call, bool dry_run) override {
    return target->Run(call, dry_run);
  }
};

struct LateDiagnostics final : rca::DbDiagnostics {
  rca::DbDiagnostics* target = nullptr;
  Result<std::vector<rca::DbSnapshot>> Diagnose(const std::vector<std::string>& services) override {
    return target->Diagnose(services);
  }
};

}  // namespace

struct SimRun::Impl {
  explicit Impl(Timestamp start) : clock(start) {}
  ManualClock clock;
  LateAdapter adapter;
  LateDiagnostics db;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<SimDriver> driver;
  std::unique_ptr<runbook::SimAdapter> sim_adapter;
  std::unique_ptr<rca::SimDbDiagnostics> sim_db;
};

Result<std::unique_ptr<SimRun>> SimRun::Open(sim::Scenario scenario, Settings settings,
                                             const SimRunOptions& options) {
  auto impl = std::make_unique<Impl>(scenario.start);
  settings.response.approval = ApprovalMode::kAuto;
  Options po;
  po.data_dir = options.data_dir;
  po.threads = false;
  Parts parts;
  parts.actions = &impl->adapter;
  parts.db = &impl->db;
  parts.auto_approve = true;
  parts.responder_acknowledges = true;
  parts.narrator = options.narrator;
  parts.observer = options.observer;
  auto pipeline = Pipeline::Open(settings, po, impl->clock, nullptr, parts);
  if (!pipeline) return Fail(pipeline.error());
  impl->pipeline = std::move(*pipeline);
  auto driver = SimDriver::Open(std::move(scenario), *impl->pipeline, impl->clock);
  if (!driver) return Fail(driver.error());
  impl->driver = std::move(*driver);
  impl->sim_adapter = std::make_unique<runbook::SimAdapter>(impl->driver->simulator());
  impl->sim_db = std::make_unique<rca::SimDbDiagnostics>(impl->driver->simulator());
  impl->adapter.target = impl->sim_adapter.get();
  impl->db.target = impl->sim_db.get();
  return std::unique_ptr<SimRun>(new SimRun(std::move(impl)));
}

SimRun::SimRun(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimRun::~SimRun() = default;
Pipeline& SimRun::pipeline() { return *impl_->pipeline; }
SimDriver& SimRun::driver() { return *impl_->driver; }

}  // namespace fw::pipeline
