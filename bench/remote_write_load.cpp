// remote_write_load: sends the same remote-write workload to any receiver
// (firewatch's /api/v1/write, Prometheus's with
// --web.enable-remote-write-receiver) so their ingest cost can be compared
// in one run. Every request is encoded before the clock starts; the client
// then only sends, so the receiver's CPU is what the script measures.
//
// Workload: --series series (node_exporter-like names and labels) of which
// each request carries --batch, every series advancing --points samples at
// 15 s spacing: requests go round the series once per point, in time order,
// as a Prometheus forwarding its scrapes would.
//
// Usage: remote_write_load --url http://127.0.0.1:PORT/api/v1/write
//          [--series 10000] [--points 60] [--batch 2000] [--token T]
// Prints: "<samples> samples in <ms> ms (<rate> samples/s wall), <errors> errors"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/clock.h"
#include "metrics/ingest/remote_write.h"

namespace {

struct Flags {
  std::string url;
  int series = 10'000;
  int points = 60;
  int batch = 2'000;
  std::string token;
};

bool ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--url")
      f.url = v;
    else if (k == "--series")
      f.series = std::atoi(v.c_str());
    else if (k == "--points")
      f.points = std::atoi(v.c_str());
    else if (k == "--batch")
      f.batch = std::atoi(v.c_str());
    else if (k == "--token")
      f.token = v;
    else
      return false;
  }
  return !f.url.empty() && f.series > 0 && f.points > 0 && f.batch > 0;
}

fw::LabelSet SeriesLabels(int i) {
  static const char* kModes[] = {"idle", "user",    "system", "iowait",
                                 "irq",  "softirq", "steal",  "nice"};
  return {{"__name__", "node_cpu_seconds_total"},
          {"job", "node"},
          {"instance",
           "10.0." + std::to_string(i / 2000) + "." + std::to_string(i / 8 % 250) + ":9100"},
          {"cpu", std::to_string(i / 8 % 64)},
          {"mode", kModes[i % 8]}};
}

// All requests, in sending order.
std::vector<std::string> Encode(const Flags& f, int64_t start_ms) {
  std::vector<fw::LabelSet> labels;
  for (int i = 0; i < f.series; ++i) labels.push_back(SeriesLabels(i));
  std::vector<std::string> bodies;
  std::vector<double> value(f.series, 0);
  for (int p = 0; p < f.points; ++p) {
    const int64_t t = start_ms + int64_t{p} * 15'000;
    for (int first = 0; first < f.series; first += f.batch) {
      std::vector<fw::metrics::ingest::SeriesSamples> req;
      for (int i = first; i < std::min(f.series, first + f.batch); ++i) {
        value[i] += (i % 97) * 0.01 + 0.25;
        req.push_back({labels[i], {{t, value[i]}}});
      }
      bodies.push_back(fw::metrics::ingest::EncodeRemoteWrite(req));
    }
  }
  return bodies;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, f)) {
    std::fprintf(stderr,
                 "usage: remote_write_load --url URL [--series N] [--points N] [--batch N] "
                 "[--token T]\n");
    return 2;
  }
  const size_t scheme_end = f.url.find("://");
  const size_t path_at = f.url.find('/', scheme_end + 3);
  const std::string host = f.url.substr(0, path_at), path = f.url.substr(path_at);
  const int64_t now_ms = fw::RealClock().Now();
  // Start far enough back that every point is in the past, as a forwarder's are.
  const std::vector<std::string> bodies = Encode(f, now_ms - int64_t{f.points} * 15'000 - 60'000);

  httplib::Client client(host);
  client.set_read_timeout(60, 0);
  httplib::Headers headers = {{"Content-Encoding", "snappy"},
                              {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  if (!f.token.empty()) headers.emplace("Authorization", "Bearer " + f.token);
  size_t errors = 0;
  const auto begin = std::chrono::steady_clock::now();
  for (const std::string& body : bodies) {
    auto res = client.Post(path, headers, body, "application/x-protobuf");
    if (!res || res->status / 100 != 2) {
      if (errors++ == 0) {
        std::fprintf(stderr, "first error: %s\n",
                     res ? (std::to_string(res->status) + " " + res->body).c_str()
                         : httplib::to_string(res.error()).c_str());
      }
    }
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  const double samples = double(f.series) * f.points;
  std::printf("%.0f samples in %.0f ms (%.0f samples/s wall), %zu errors\n", samples, ms,
              samples / ms * 1000, errors);
  return errors ? 1 : 0;
}
