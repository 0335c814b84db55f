#include "pipeline/sim_driver.h"

#include "logs/ingest/line_ingest.h"
#include "metrics/ingest/label_set_handler.h"
#include "metrics/ingest/vanished_series.h"
#include "metrics/model.h"
#include "sim/exposition.h"

namespace fw::pipeline {
namespace {

// A scrape of every target with honor_labels: the exposition's own labels
// stay, `job` is the service, every sample stamped with the scrape time.
class ScrapeBatch final : public metrics::ingest::LabelSetHandler {
 public:
  ScrapeBatch(std::string job, Timestamp t) : job_(std::move(job)), t_(t) {}
  void OnSeries(const LabelSet& series, double value, std::optional<Timestamp>) override {
    LabelSet labels = series;
    if (!labels.Has("job")) labels.Set("job", job_);
    samples.push_back({std::move(labels), {t_, value}});
  }
  std::vector<metrics::tsdb::LabeledSample> samples;

 private:
  std::string job_;
  Timestamp t_;
};

}  // namespace

struct SimDriver::Impl final : sim::SimSink {
  Impl(sim::Scenario sc, Pipeline& p, ManualClock& c)
      : simulator(std::move(sc)), pipeline(p), clock(c) {}

  sim::Simulator simulator;
  Pipeline& pipeline;
  ManualClock& clock;
  std::string job;
  std::unique_ptr<logs::ingest::LineIngester> log_ingester;
  metrics::ingest::VanishedSeries vanished;  // a removed instance's series go stale
  bool scraped = false;
  Result<void> failure;  // the first error a sink callback met

  void OnLog(std::string_view line) override {
    std::string text(line);
    text += '\n';
    if (auto r = log_ingester->Feed(text); !r && failure) failure = r;
  }
  void OnChange(std::string_view line) override {
    auto e = changes::ParseChangeJson(line);
    if (!e) return;
    if (auto r = pipeline.changes().Record(std::move(*e)); !r && failure) failure = r;
  }
  void OnScrape(Timestamp t, const sim::Simulator& s) override {
    sim::TextExposition exposition;
    s.Collect(exposition);
    ScrapeBatch batch(job, t);
    auto parsed = metrics::ingest::ParseExposition(
        exposition.Render(), metrics::ingest::Format::kPrometheusText, batch, "sim");
    if (!parsed) {
      if (failure) failure = Fail(parsed.error());
      return;
    }
    for (const auto& sample : batch.samples) vanished.Seen(sample.labels);
    for (LabelSet& gone : vanished.EndScrape()) {
      batch.samples.push_back({std::move(gone), {t, metrics::StaleNaN()}});
    }
    clock.Set(t);
    if (auto r = pipeline.AppendSamples(batch.samples); !r && failure) failure = r;
    scraped = true;
  }
};

Result<std::unique_ptr<SimDriver>> SimDriver::Open(sim::Scenario scenario, Pipeline& pipeline,
                                                   ManualClock& clock) {
  auto impl = std::make_unique<Impl>(std::move(scenario), pipeline, clock);
  impl->job = impl->simulator.scenario().env.service;
  impl->log_ingester = std::make_unique<logs::ingest::LineIngester>(
      pipeline.logs(), clock,
      logs::ingest::LineIngestOptions{.group = impl->job, .stream = "app", .expect_json = true});
  clock.Set(impl->simulator.now());
  impl->simulator.set_sink(impl.get());
  return std::unique_ptr<SimDriver>(new SimDriver(std::move(impl)));
}

SimDriver::SimDriver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimDriver::~SimDriver() {
  if (impl_) {
    (void)impl_->log_ingester->Finish();
    impl_->simulator.set_sink(nullptr);
  }
}

Result<void> SimDriver::Step() {
  Impl& m = *impl_;
  m.scraped = false;
  m.simulator.Step();
  m.clock.Set(m.simulator.now());
  if (!m.failure) return m.failure;
  if (m.scraped) {
    // Logs become queryable in scrape-sized batches: one fsync per batch.
    if (auto r = m.log_ingester->Flush(); !r) return r;
  }
  return m.pipeline.Step(m.clock.Now());
}

Timestamp SimDriver::now() const { return impl_->simulator.now(); }
Timestamp SimDriver::start() const { return impl_->simulator.scenario().start; }
bool SimDriver::done() const { return impl_->simulator.done(); }
sim::Simulator& SimDriver::simulator() { return impl_->simulator; }

}  // namespace fw::pipeline
