#pragma once
// Runbook actions against the embedded simulated production, and its metrics
// as a PromQL Queryable, so that runbooks run end to end on simulated time
// (tests, the demo, `runbook run --adapter sim`).
//
// SimAdapter maps each catalog action onto sim::ActionSpec and
// Simulator::Apply. Where an operator would first read the cloud API or the
// database (current capacity for `scale by`, the group's maximum), it reads
// Simulator::Instances() and the scenario's group limits, never the model's
// internals. A dry run reads, but applies nothing. The command it reports is
// the equivalent request to `firewatch sim serve`'s POST /sim/actions.
// REQUIRES: the simulator outlives the adapter; callers serialise access to
// the simulator (the adapter does not lock).
//
// SimMetrics is a SimSink that records every scrape into an in-memory store,
// the way a Prometheus scraping the simulator would see it (histograms as
// _bucket/_sum/_count series).

#include <string>

#include "alerting/memory_rule_storage.h"
#include "metrics/ingest/vanished_series.h"
#include "runbook/execution.h"
#include "sim/labeled_writer.h"
#include "sim/simulator.h"

namespace fw::runbook {

class SimAdapter final : public ActionAdapter {
 public:
  explicit SimAdapter(sim::Simulator& sim, std::string actor = "firewatch-runbook")
      : sim_(sim), actor_(std::move(actor)) {}
  std::string name() const override { return "sim"; }
  Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) override;

 private:
  Result<sim::ActionSpec> ToSpec(const ActionCall& call, std::string& note) const;
  sim::Simulator& sim_;
  std::string actor_;
};

class SimMetrics final : public sim::SimSink {
 public:
  void OnLog(std::string_view) override {}
  void OnChange(std::string_view) override {}
  void OnScrape(Timestamp t, const sim::Simulator& s) override;

  const metrics::promql::Queryable& queryable() const { return store_; }
  alerting::MemoryRuleStorage& store() { return store_; }

 private:
  Timestamp now_ = 0;
  alerting::MemoryRuleStorage store_;
  metrics::ingest::VanishedSeries vanished_;  // a removed instance's series go stale
  sim::LabeledWriter writer_{[this](const LabelSet& l, double v) {
    store_.Add(l, {now_, v});
    vanished_.Seen(l);
  }};
};

}  // namespace fw::runbook
