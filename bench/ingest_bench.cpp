// Throughput of the exposition parsers (src/metrics/ingest) on a realistic
// scrape body: ~10,000 series shaped like node_exporter plus an instrumented
// HTTP service (a 12-bucket latency histogram per handler/method/code, which
// is where most series of a real target come from), in both text formats.
// Reports samples/s as items_per_second.
//
//   taskset -c 0 build/src/metrics/ingest/ingest_bench
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line; the target lives in src/metrics/ingest/CMakeLists.txt)
//
// `ingest_bench --write-openmetrics=FILE [--points=N]` writes the OpenMetrics
// body (N timestamped points per series, default 100) instead, and
// `--write-prometheus=FILE` the Prometheus text body, so that a peer such as
// `promtool tsdb create-blocks-from openmetrics FILE DIR` or
// `promtool check metrics < FILE` can be timed on the same input.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "metrics/ingest/label_set_handler.h"
#include "metrics/ingest/text_parser.h"

namespace {

using fw::metrics::ingest::Format;

struct Series {
  std::string name;    // sample name
  std::string labels;  // rendered, without braces
  double value;
};
struct Family {
  std::string name, type, help;
  std::vector<Series> series;
};

std::vector<Family> MakeFamilies() {
  std::vector<Family> fams;
  unsigned seed = 12345;
  auto next = [&seed]() { return seed = seed * 1103515245u + 12345u; };
  auto big = [&]() { return static_cast<double>(next() % 100000000) / 100.0; };

  Family cpu{"node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.", {}};
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  for (int c = 0; c < 32; ++c) {
    for (const char* m : modes) {
      cpu.series.push_back({"node_cpu_seconds_total",
                            "cpu=\"" + std::to_string(c) + "\",mode=\"" + m + "\"", big()});
    }
  }
  fams.push_back(cpu);

  const char* net[] = {"receive_bytes", "transmit_bytes", "receive_packets", "transmit_packets",
                       "receive_errs",  "transmit_errs",  "receive_drop",    "transmit_drop"};
  for (const char* n : net) {
    Family f{std::string("node_network_") + n, "counter", "Network device statistic.", {}};
    for (int d = 0; d < 20; ++d) {
      f.series.push_back({f.name + "_total", "device=\"eth" + std::to_string(d) + "\"", big()});
    }
    fams.push_back(f);
  }
  for (const char* m : {"avail_bytes", "free_bytes", "size_bytes", "files", "files_free"}) {
    Family f{std::string("node_filesystem_") + m, "gauge", "Filesystem statistic.", {}};
    for (int d = 0; d < 30; ++d) {
      f.series.push_back({f.name,
                          "device=\"/dev/nvme0n1p" + std::to_string(d) +
                              "\",fstype=\"ext4\",mountpoint=\"/var/lib/data" + std::to_string(d) +
                              "\"",
                          big()});
    }
    fams.push_back(f);
  }

  const char* methods[] = {"GET", "POST", "PUT"};
  const char* codes[] = {"200", "404", "500", "503"};
  const char* bounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                          "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  Family hist{"http_request_duration_seconds", "histogram", "Request latency.", {}};
  Family reqs{"http_requests", "counter", "Requests served.", {}};
  for (int h = 0; h < 40; ++h) {
    for (const char* m : methods) {
      for (const char* c : codes) {
        const std::string base = "code=\"" + std::string(c) + "\",handler=\"/api/v1/resource" +
                                 std::to_string(h) + "\",method=\"" + m + "\"";
        double count = 0;
        for (const char* b : bounds) {
          count += static_cast<double>(next() % 1000);
          hist.series.push_back({hist.name + "_bucket", base + ",le=\"" + b + "\"", count});
        }
        hist.series.push_back({hist.name + "_sum", base, count * 0.0371});
        hist.series.push_back({hist.name + "_count", base, count});
        reqs.series.push_back({"http_requests_total", base, count});
      }
    }
  }
  fams.push_back(hist);
  fams.push_back(reqs);

  Family pods{"kube_pod_status_ready", "gauge", "Pod readiness.", {}};
  const char* conds[] = {"true", "false", "unknown"};
  for (int p = 0; p < 700; ++p) {
    for (const char* c : conds) {
      pods.series.push_back({pods.name,
                             "namespace=\"team-" + std::to_string(p % 17) + "\",pod=\"web-" +
                                 std::to_string(p) + "-7f9c8d6b5-x2k4q\",condition=\"" + c + "\"",
                             c[0] == 't' ? 1.0 : 0.0});
    }
  }
  fams.push_back(pods);
  return fams;
}

std::string Format3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the short form when it round-trips (what client libraries emit).
  for (int p = 1; p < 17; ++p) {
    char s[64];
    std::snprintf(s, sizeof s, "%.*g", p, v);
    if (std::strtod(s, nullptr) == v) return s;
  }
  return buf;
}

// OpenMetrics with `points` timestamped points per series (0 = one point,
// no timestamp), or Prometheus text (one point, no timestamp).
std::string Render(Format format, int points) {
  const bool om = format == Format::kOpenMetrics;
  std::string out;
  for (const Family& f : MakeFamilies()) {
    const std::string name = om || f.type != "counter" ? f.name : f.series[0].name;
    out += "# HELP " + name + " " + f.help + "\n";
    const std::string type = !om && f.type == "unknown" ? "untyped" : f.type;
    out += "# TYPE " + name + " " + type + "\n";
    for (const Series& s : f.series) {
      const std::string series = s.name + (s.labels.empty() ? "" : "{" + s.labels + "}");
      if (points == 0) {
        out += series + " " + Format3(s.value) + "\n";
        continue;
      }
      for (int p = 0; p < points; ++p) {
        const long long t = 1768485615000LL + 15000LL * p;
        char ts[40];
        std::snprintf(ts, sizeof ts, " %lld.%03lld\n", t / 1000, t % 1000);
        out += series + " " + Format3(s.value + p) + ts;
      }
    }
  }
  if (om) out += "# EOF\n";
  return out;
}

class CountingHandler final : public fw::metrics::ingest::SampleHandler {
 public:
  void OnSample(const fw::metrics::ingest::SampleView& s) override {
    ++n;
    sum += s.labels.size();
  }
  size_t n = 0, sum = 0;
};

class LabelSetCounter final : public fw::metrics::ingest::LabelSetHandler {
 public:
  void OnSeries(const fw::LabelSet& s, double, std::optional<fw::Timestamp>) override {
    n += s.size();
  }
  size_t n = 0;
};

template <typename Handler>
void RunParse(benchmark::State& state, Format format, int points) {
  const std::string text = Render(format, points);
  fw::metrics::ingest::TextParser parser(format);
  size_t samples = 0;
  for (auto _ : state) {
    Handler h;
    auto r = parser.Parse(text, h);
    if (!r) {
      state.SkipWithError(r.error().ToString().c_str());
      return;
    }
    samples += r->samples;
    benchmark::DoNotOptimize(h.n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
  state.counters["samples_per_body"] =
      static_cast<double>(samples) / static_cast<double>(state.iterations());
}

void BM_PrometheusText(benchmark::State& s) {
  RunParse<CountingHandler>(s, Format::kPrometheusText, 0);
}
void BM_OpenMetrics(benchmark::State& s) { RunParse<CountingHandler>(s, Format::kOpenMetrics, 0); }
void BM_OpenMetricsTimestamped(benchmark::State& s) {
  RunParse<CountingHandler>(s, Format::kOpenMetrics, static_cast<int>(s.range(0)));
}
void BM_PrometheusTextToLabelSet(benchmark::State& s) {
  RunParse<LabelSetCounter>(s, Format::kPrometheusText, 0);
}

BENCHMARK(BM_PrometheusText);
BENCHMARK(BM_OpenMetrics);
BENCHMARK(BM_OpenMetricsTimestamped)->Arg(1)->Arg(100);
BENCHMARK(BM_PrometheusTextToLabelSet);

}  // namespace

int main(int argc, char** argv) {
  const char* write_path = nullptr;
  Format format = Format::kOpenMetrics;
  int points = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--write-openmetrics=", 20) == 0) write_path = argv[i] + 20;
    if (std::strncmp(argv[i], "--write-prometheus=", 19) == 0) {
      write_path = argv[i] + 19;
      format = Format::kPrometheusText;
    }
    if (std::strncmp(argv[i], "--points=", 9) == 0) points = std::atoi(argv[i] + 9);
  }
  if (write_path) {
    const std::string text = Render(format, format == Format::kOpenMetrics ? points : 0);
    std::FILE* f = std::fopen(write_path, "wb");
    if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s\n", write_path);
      return 1;
    }
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
