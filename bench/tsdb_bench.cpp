// Benchmarks of the in-memory TSDB core (src/metrics/tsdb): append throughput,
// chunk compression on realistic scrape data, and Select + iterate.
//
// Workload: 100 targets x 100 series = 10,000 series scraped every 15 s. Each
// target's scrape time is tick + a fixed per-target offset + 0..4 ms of jitter
// (the same timestamp for all series of one scrape, as Prometheus does). The
// series mix models a typical exporter:
//   45% counters, integer increments ~ Poisson(rate * 15 s), rate log-uniform
//       in [0.001, 100]/s (many barely move, a few are busy), modulated
//       +-50% over ~2.6 h with occasional 2x bursts
//    5% float counters (cpu seconds: +0.01 * k)
//   25% constant gauges (up, *_info, limits)
//   20% integer gauges doing a random walk (goroutines, fds, queue length)
//    5% float gauges with full-precision noise (ratios, temperatures)
// Run pinned: taskset -c 0 build-tsdb/src/metrics/tsdb/tsdb_bench
//   --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "metrics/tsdb/head.h"

namespace fw::metrics::tsdb {
namespace {

constexpr int kTargets = 100;
constexpr int kSeriesPerTarget = 100;
constexpr int kSeries = kTargets * kSeriesPerTarget;
constexpr Timestamp kInterval = 15'000;
constexpr Timestamp kStart = 1'764'000'000'000;  // 2025-11-24

enum class Kind { kCounter, kFloatCounter, kConstant, kIntGauge, kFloatGauge };

Kind KindFor(int i) {
  const int p = i % 100;
  if (p < 45) return Kind::kCounter;
  if (p < 50) return Kind::kFloatCounter;
  if (p < 75) return Kind::kConstant;
  if (p < 95) return Kind::kIntGauge;
  return Kind::kFloatGauge;
}

// Produces one series' values, step by step, deterministically.
class ValueGen {
 public:
  ValueGen(Kind kind, uint64_t seed) : kind_(kind), rng_(seed) {
    std::uniform_real_distribution<double> u(0, 1);
    rate_ = std::pow(10.0, -3 + 5 * u(rng_));  // 0.001 .. 100 per second
    value_ = std::floor(u(rng_) * 1e6);
    if (kind_ == Kind::kConstant) value_ = u(rng_) < 0.5 ? 1 : std::floor(u(rng_) * 65536);
    if (kind_ == Kind::kFloatCounter) value_ = std::floor(u(rng_) * 1e5) / 100;
    if (kind_ == Kind::kIntGauge) value_ = std::floor(u(rng_) * 500);
  }

  double Next() {
    switch (kind_) {
      case Kind::kCounter:
        value_ += std::poisson_distribution<int>(Rate() * 15)(rng_);
        break;
      case Kind::kFloatCounter:
        value_ += std::poisson_distribution<int>(Rate() * 15)(rng_) * 0.01;
        break;
      case Kind::kConstant:
        break;
      case Kind::kIntGauge:
        if (std::bernoulli_distribution(0.3)(rng_))
          value_ += (rng_() % 2 ? 1 : -1) * (1 + rng_() % 3);
        break;
      case Kind::kFloatGauge:
        return 0.5 + 0.3 * std::sin(step_++ / 40.0) +
               std::normal_distribution<double>(0, 0.01)(rng_);
    }
    ++step_;
    return value_;
  }

 private:
  // Traffic swells and ebbs (+-50%, period ~2.6 h) and bursts now and then
  // (2x for a 1% chance per scrape), so counter increments are not stationary.
  double Rate() {
    const double burst = std::bernoulli_distribution(0.01)(rng_) ? 2 : 1;
    return rate_ * burst * (1 + 0.5 * std::sin(step_ / 100.0 + phase_));
  }

  Kind kind_;
  std::mt19937_64 rng_;
  double phase_ = static_cast<double>(rng_() % 628) / 100;
  double rate_ = 0;
  double value_ = 0;
  int step_ = 0;
};

LabelSet SeriesLabels(int i) {
  const int target = i / kSeriesPerTarget;
  return LabelSet{{"__name__", "metric_" + std::to_string(i % kSeriesPerTarget)},
                  {"instance", "host-" + std::to_string(target) + ":9100"},
                  {"job", "job-" + std::to_string(target % 10)}};
}

// Scrape timestamps of one target: tick + offset + jitter in [0, jitter_ms].
std::vector<Timestamp> ScrapeTimes(int target, int steps, int jitter_ms) {
  std::mt19937_64 rng(1000 + target);
  const Timestamp offset = target * 137 % kInterval;
  std::vector<Timestamp> ts(steps);
  for (int s = 0; s < steps; ++s) {
    ts[s] = kStart + s * kInterval + offset + (jitter_ms ? rng() % (jitter_ms + 1) : 0);
  }
  return ts;
}

// The workload, precomputed so the timed loops measure only the store.
struct Workload {
  int steps;
  std::vector<std::vector<Timestamp>> times;  // [target][step]
  std::vector<double> values;                 // [step * kSeries + series]
};

Workload MakeWorkload(int steps, int jitter_ms) {
  Workload w{steps, {}, {}};
  for (int t = 0; t < kTargets; ++t) w.times.push_back(ScrapeTimes(t, steps, jitter_ms));
  std::vector<ValueGen> gens;
  for (int i = 0; i < kSeries; ++i) gens.emplace_back(KindFor(i), 42 + i);
  w.values.resize(static_cast<size_t>(steps) * kSeries);
  for (int s = 0; s < steps; ++s) {
    for (int i = 0; i < kSeries; ++i)
      w.values[static_cast<size_t>(s) * kSeries + i] = gens[i].Next();
  }
  return w;
}

// Appends the whole workload through cached refs, as a scrape loop does.
void Fill(Head& head, const Workload& w, const std::vector<LabelSet>* by_labels = nullptr) {
  std::vector<SeriesRef> refs;
  for (int i = 0; i < kSeries; ++i) {
    refs.push_back(*head.Append(SeriesLabels(i), w.times[i / kSeriesPerTarget][0], w.values[i]));
  }
  for (int s = 1; s < w.steps; ++s) {
    const double* row = &w.values[static_cast<size_t>(s) * kSeries];
    for (int i = 0; i < kSeries; ++i) {
      const Timestamp t = w.times[i / kSeriesPerTarget][s];
      if (by_labels) {
        (void)head.Append((*by_labels)[i], t, row[i]);
      } else {
        (void)head.Append(refs[i], t, row[i]);
      }
    }
  }
}

// Size the Prometheus XOR chunk (chunkenc/xor.go, as documented) would take
// for the same samples: 2-byte count header, varint t0, uvarint first delta,
// dod buckets of 14/17/20/64 bits, Gorilla XOR values with a 2-bit prefix.
// A cost model, not an encoder: it only adds up bits, so the two formats can
// be compared on identical data.
class PromXorCost {
 public:
  void Add(Timestamp t, double v) {
    const auto bits = std::bit_cast<uint64_t>(v);
    if (n_ == 0) {
      bits_ +=
          16 + 8 * VarintBytes(static_cast<uint64_t>(t << 1) ^ static_cast<uint64_t>(t >> 63)) + 64;
    } else if (n_ == 1) {
      bits_ += 8 * VarintBytes(static_cast<uint64_t>(t - t_)) + XorBits(bits);
      delta_ = t - t_;
    } else {
      const int64_t dod = (t - t_) - delta_;
      delta_ = t - t_;
      bits_ += dod == 0 ? 1 : Fits(dod, 14) ? 16 : Fits(dod, 17) ? 20 : Fits(dod, 20) ? 24 : 68;
      bits_ += XorBits(bits);
    }
    t_ = t;
    v_ = bits;
    ++n_;
  }
  size_t bytes() const { return (bits_ + 7) / 8; }

 private:
  static int VarintBytes(uint64_t x) { return x < 128 ? 1 : 1 + VarintBytes(x >> 7); }
  static bool Fits(int64_t x, int n) {
    return x >= -((int64_t{1} << (n - 1)) - 1) && x <= (int64_t{1} << (n - 1));
  }
  size_t XorBits(uint64_t bits) {
    const uint64_t x = bits ^ v_;
    if (x == 0) return 1;
    const int lead = std::min(std::countl_zero(x), 31);
    const int trail = std::countr_zero(x);
    if (lead_ != 0xff && lead >= lead_ && trail >= trail_) return 2 + 64 - lead_ - trail_;
    lead_ = lead;
    trail_ = trail;
    return 2 + 5 + 6 + 64 - lead - trail;
  }
  size_t bits_ = 0;
  int n_ = 0;
  Timestamp t_ = 0;
  int64_t delta_ = 0;
  uint64_t v_ = 0;
  int lead_ = 0xff;
  int trail_ = 0;
};

// 10,000 series x 1 h at 15 s; reports samples/s and the head's memory.
// Arg by_labels: 0 appends through cached refs (the scrape-cache path), 1
// looks every sample's series up by label set.
void BM_Append1h(benchmark::State& state) {
  const Workload w = MakeWorkload(240, 4);
  std::vector<LabelSet> labels;
  for (int i = 0; i < kSeries; ++i) labels.push_back(SeriesLabels(i));
  HeadStats st;
  for (auto _ : state) {
    state.PauseTiming();
    auto head = std::make_unique<Head>();
    state.ResumeTiming();
    Fill(*head, w, state.range(0) == 1 ? &labels : nullptr);
    state.PauseTiming();
    st = head->Stats();
    head.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kSeries * 240);
  state.counters["chunk_B_per_sample"] = static_cast<double>(st.chunk_bytes) / st.num_samples;
  state.counters["heap_B_per_sample"] = st.BytesPerSample();
  state.counters["B_per_series"] = st.BytesPerSeries();
}
BENCHMARK(BM_Append1h)->ArgName("by_labels")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Encoded size per series kind over 2 h (one full 120-sample chunk per
// series at 1 min would be Prometheus' usual; at 15 s it is 4 chunks).
void BM_BytesPerSample(benchmark::State& state) {
  const int jitter = static_cast<int>(state.range(0));
  const Workload w = MakeWorkload(480, jitter);
  Head head;
  for (auto _ : state) {
    Head h;
    Fill(h, w);
    const HeadStats st = h.Stats();
    state.counters["chunk_B_per_sample"] = static_cast<double>(st.chunk_bytes) / st.num_samples;
  }
  // Per kind, encoded directly, next to the Prometheus cost model.
  const char* names[] = {"counter", "float_counter", "constant", "int_gauge", "float_gauge"};
  size_t prom_total = 0, samples_total = 0;
  for (int k = 0; k < 5; ++k) {
    size_t bytes = 0, prom_bytes = 0, samples = 0;
    for (int i = 0; i < kSeries; ++i) {
      if (static_cast<int>(KindFor(i)) != k) continue;
      XorChunk c;
      PromXorCost prom;
      for (int s = 0; s < w.steps; ++s) {
        if (c.Full()) {
          bytes += c.size_bytes();
          prom_bytes += prom.bytes();
          c = XorChunk();
          prom = PromXorCost();
        }
        const Timestamp t = w.times[i / kSeriesPerTarget][s];
        const double v = w.values[static_cast<size_t>(s) * kSeries + i];
        c.Append(t, v);
        prom.Add(t, v);
        ++samples;
      }
      bytes += c.size_bytes();
      prom_bytes += prom.bytes();
    }
    state.counters[std::string("B_") + names[k]] = static_cast<double>(bytes) / samples;
    state.counters[std::string("promB_") + names[k]] = static_cast<double>(prom_bytes) / samples;
    prom_total += prom_bytes;
    samples_total += samples;
  }
  state.counters["prom_B_per_sample"] = static_cast<double>(prom_total) / samples_total;
}
BENCHMARK(BM_BytesPerSample)
    ->ArgName("jitter_ms")
    ->Arg(0)
    ->Arg(4)
    ->Arg(50)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// 10,000 series x 6 h: Select with matchers over the whole range and decode
// every sample. Arg: 0 = all series ({__name__=~"metric_.*"}), 1 = one job.
void BM_SelectIterate6h(benchmark::State& state) {
  static Head* head = [] {
    auto* h = new Head();
    Fill(*h, MakeWorkload(6 * 240, 4));
    return h;
  }();
  std::vector<LabelMatcher> m = {{MatchType::kRegexMatch, "__name__", "metric_.*"}};
  if (state.range(0) == 1) m.push_back({MatchType::kEqual, "job", "job-3"});
  size_t samples = 0;
  double sum = 0;
  for (auto _ : state) {
    Result<std::vector<Series>> r = head->Select(m, kStart, kStart + 6 * 3600 * 1000);
    for (Series& s : *r) {
      while (s.samples.Next()) {
        sum += s.samples.At().v;
        ++samples;
      }
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["series"] = state.range(0) == 1 ? kSeries / 10 : kSeries;
}
BENCHMARK(BM_SelectIterate6h)->ArgName("one_job")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fw::metrics::tsdb

BENCHMARK_MAIN();
