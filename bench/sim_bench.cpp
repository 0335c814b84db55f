// Simulator speed: one hour of a 20-instance system at 1 s resolution, with
// and without collecting the metrics a 15 s scrape would store. The target is
// under 2 s on one core (issue: foundation and simulated production).

#include <benchmark/benchmark.h>

#include "sim/builtin_scenarios.h"
#include "sim/openmetrics_recorder.h"
#include "sim/simulator.h"

namespace {

fw::sim::Scenario HourOfTwentyInstances() {
  auto sc = fw::sim::LoadBuiltinScenario("db-pool-exhaustion");
  sc->duration = std::chrono::hours(1);
  sc->env.group.max = 20;
  sc->env.group.desired = 20;
  sc->env.database.max_connections = 1000;
  sc->traffic.rps = 1400;
  return *sc;
}

class CountingSink final : public fw::sim::SimSink {
 public:
  void OnLog(std::string_view line) override { bytes += line.size(); }
  void OnChange(std::string_view line) override { bytes += line.size(); }
  void OnScrape(fw::Timestamp t, const fw::sim::Simulator& sim) override {
    recorder.BeginScrape(t);
    sim.Collect(recorder);
  }
  fw::sim::OpenMetricsRecorder recorder;
  size_t bytes = 0;
};

void BM_SimulateHour20Instances(benchmark::State& state) {
  const bool with_output = state.range(0) != 0;
  for (auto _ : state) {
    fw::sim::Simulator sim(HourOfTwentyInstances());
    CountingSink sink;
    if (with_output) sim.set_sink(&sink);
    while (!sim.done()) sim.Step();
    benchmark::DoNotOptimize(sink.bytes);
    state.counters["steps"] = static_cast<double>(sim.history().size());
  }
}
BENCHMARK(BM_SimulateHour20Instances)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
