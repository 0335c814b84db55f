// intake_load: sends external alert events to a running receiver as fast as
// C connections allow and reports events/s and latency percentiles, for
// bench/intake_bench.sh.
//
// Workload (the same for every target): events about --distinct alerts
// (alertname from 20 names, service from 15, instance per alert), picked
// uniformly, so each is repeated many times; --new-percent of the events
// are about an alert never seen before. Targets:
//   firewatch     half Alertmanager webhooks (version 4, one alert each) to
//                 /api/v1/intake/alertmanager, half PagerDuty Events v2
//                 triggers (dedup_key per alert) to /v2/enqueue
//   alertmanager  the same alerts to Alertmanager's own POST /api/v2/alerts
//   firewatch-v2  the same alerts to firewatch's POST /api/v2/alerts
// One event per request; a request counts as done when its response is in.
//
// Usage: intake_load --url http://127.0.0.1:PORT --target T [--token TOKEN]
//          [--events 40000] [--connections 8] [--distinct 300] [--new-percent 2]
//        intake_load sink --ports-file F [--seconds 600]
// The sink is a webhook receiver answering 200 to everything (firewatch
// opens incidents from notifications, so it needs one), stopping by itself
// after --seconds.
// Prints: "<target>: N events in S s = R events/s; latency p50 A ms, p99 B ms,
//          max C ms; E errors"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Flags {
  std::string url, target, token, ports_file;
  int events = 40'000, connections = 8, distinct = 300, seconds = 600;
  double new_percent = 2;
};

bool ParseFlags(int argc, char** argv, int first, Flags& f) {
  for (int i = first; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--url") {
      f.url = v;
    } else if (k == "--target") {
      f.target = v;
    } else if (k == "--token") {
      f.token = v;
    } else if (k == "--ports-file") {
      f.ports_file = v;
    } else if (k == "--events") {
      f.events = std::atoi(v.c_str());
    } else if (k == "--connections") {
      f.connections = std::atoi(v.c_str());
    } else if (k == "--distinct") {
      f.distinct = std::atoi(v.c_str());
    } else if (k == "--seconds") {
      f.seconds = std::atoi(v.c_str());
    } else if (k == "--new-percent") {
      f.new_percent = std::atof(v.c_str());
    } else {
      return false;
    }
  }
  return (argc - first) % 2 == 0;
}

struct AlertSpec {
  std::string alertname, service, instance, severity;
};

AlertSpec Spec(int i) {
  static const char* kSeverities[] = {"critical", "error", "warning", "warning", "info"};
  return {"Alert" + std::to_string(i % 20), "svc-" + std::to_string(i / 20 % 15),
          "host-" + std::to_string(i), kSeverities[i % 5]};
}

json Labels(const AlertSpec& a) {
  return {{"alertname", a.alertname},
          {"service", a.service},
          {"instance", a.instance},
          {"severity", a.severity}};
}

json ApiAlert(const AlertSpec& a) {
  return {{"labels", Labels(a)},
          {"annotations", {{"summary", a.alertname + " on " + a.instance}}},
          {"startsAt", "2026-11-25T10:00:00Z"},
          {"generatorURL", "http://prometheus:9090/graph"}};
}

json Webhook(const AlertSpec& a) {
  json alert = ApiAlert(a);
  alert["status"] = "firing";
  alert["endsAt"] = "0001-01-01T00:00:00Z";
  alert["fingerprint"] = a.instance;
  return {{"version", "4"},
          {"groupKey", "{}:{alertname=\"" + a.alertname + "\"}"},
          {"status", "firing"},
          {"receiver", "firewatch"},
          {"groupLabels", {{"alertname", a.alertname}}},
          {"commonLabels", Labels(a)},
          {"commonAnnotations", json::object()},
          {"externalURL", "http://alertmanager:9093"},
          {"alerts", json::array({alert})}};
}

json PagerDuty(const AlertSpec& a) {
  return {{"routing_key", "R0123456789abcdef0123456789abcde"},
          {"event_action", "trigger"},
          {"dedup_key", a.instance + "/" + a.alertname},
          {"payload",
           {{"summary", a.alertname + " on " + a.instance},
            {"source", a.instance},
            {"severity", a.severity},
            {"component", a.service},
            {"class", a.alertname}}}};
}

struct Request {
  std::string path, body;
};

// The event sequence of one connection.
std::vector<Request> Events(const Flags& f, int conn, int count) {
  std::mt19937 rng(1000 + conn);
  std::uniform_int_distribution<int> pick(0, f.distinct - 1);
  std::uniform_real_distribution<double> percent(0, 100);
  int next_new = f.distinct + conn * 10'000'000;
  std::vector<Request> out;
  out.reserve(count);
  for (int n = 0; n < count; ++n) {
    const AlertSpec a = Spec(percent(rng) < f.new_percent ? next_new++ : pick(rng));
    if (f.target == "alertmanager" || f.target == "firewatch-v2") {
      out.push_back({"/api/v2/alerts", json::array({ApiAlert(a)}).dump()});
    } else if (n % 2 == 0) {
      out.push_back({"/api/v1/intake/alertmanager", Webhook(a).dump()});
    } else {
      out.push_back({"/v2/enqueue", PagerDuty(a).dump()});
    }
  }
  return out;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p / 100 * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

int Sink(const Flags& f) {
  httplib::Server server;
  std::atomic<long> received{0};
  server.Post(".*", [&](const httplib::Request&, httplib::Response&) { ++received; });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::ofstream(f.ports_file) << "sink=" << port << "\n";
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::seconds(f.seconds));
    server.stop();
  });
  stopper.detach();
  server.listen_after_bind();
  std::printf("sink: %ld notifications\n", received.load());
  return 0;
}

int Load(const Flags& f) {
  const int per_conn = f.events / f.connections;
  std::vector<std::vector<Request>> events;
  for (int c = 0; c < f.connections; ++c) events.push_back(Events(f, c, per_conn));
  std::vector<std::vector<double>> latency(f.connections);
  std::atomic<long> errors{0};
  std::atomic<bool> reported{false};
  std::vector<std::thread> threads;
  const auto begin = Clock::now();
  for (int c = 0; c < f.connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client(f.url);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // else Nagle + delayed ACKs add ~40 ms per request
      client.set_read_timeout(30, 0);
      httplib::Headers headers;
      if (!f.token.empty()) headers.emplace("Authorization", "Bearer " + f.token);
      latency[c].reserve(per_conn);
      for (const Request& r : events[c]) {
        const auto t0 = Clock::now();
        auto res = client.Post(r.path, headers, r.body, "application/json");
        latency[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!res || res->status / 100 != 2) {
          ++errors;
          if (!reported.exchange(true)) {
            std::fprintf(stderr, "first error: %s %s\n", r.path.c_str(),
                         res ? (std::to_string(res->status) + " " + res->body).c_str()
                             : httplib::to_string(res.error()).c_str());
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::vector<double> all;
  for (const auto& l : latency) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "%s: %zu events in %.2f s = %.0f events/s; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; "
      "%ld errors\n",
      f.target.c_str(), all.size(), seconds, all.size() / seconds, Percentile(all, 50),
      Percentile(all, 99), all.empty() ? 0 : all.back(), errors.load());
  return errors ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  const bool sink = argc > 1 && std::string(argv[1]) == "sink";
  if (!ParseFlags(argc, argv, sink ? 2 : 1, f) || (sink && f.ports_file.empty()) ||
      (!sink &&
       (f.url.empty() || f.events <= 0 || f.connections <= 0 || f.distinct <= 0 ||
        (f.target != "firewatch" && f.target != "alertmanager" && f.target != "firewatch-v2")))) {
    std::fprintf(stderr,
                 "usage: intake_load --url http://HOST:PORT --target "
                 "firewatch|alertmanager|firewatch-v2 [--token T] [--events N] "
                 "[--connections C] [--distinct D] [--new-percent P]\n"
                 "       intake_load sink --ports-file F [--seconds S]\n");
    return 2;
  }
  return sink ? Sink(f) : Load(f);
}
