// detection_probe: the target and the webhook receiver of the detection
// latency benchmark (bench/detection_vs_prometheus.sh). It serves one gauge
// that every scraper sees, flips it over the threshold at a recorded time,
// and times how long each system takes to deliver the webhook.
//
// Each round k exposes `bench_errors{round="k"}`: first 0 (normal) until
// every system has scraped it, then, at a random phase within the scrape
// interval, 1 (over a `> 0.5` threshold). A fresh series per round makes a
// fresh alert and alert group, so each round pays Alertmanager's group_wait
// and never waits on the previous round's group_interval. Scrapers are told
// apart by User-Agent ("Prometheus/..." or "firewatch/..."); webhooks by path
// (/hook/<system>), matched to rounds by the alert's `round` label.
//
// Two latencies per system and round: from the flip, and from the first
// scrape that served the over-threshold value (the issue's "first sample
// over the threshold").
//
// Usage: detection_probe --rounds N --ports-file F [--systems prometheus,firewatch]
//                        [--round-timeout-s 15]
// Writes "target=PORT\nhook=PORT\n" to F once listening, then waits for the
// systems (up to 120 s for the first scrapes). Prints a table per round and
// a summary; exits 0 when every round was detected by every system.

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Flags {
  int rounds = 20;
  std::string ports_file;
  std::vector<std::string> systems = {"prometheus", "firewatch"};
  int round_timeout_s = 15;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rounds") {
      f.rounds = std::atoi(v.c_str());
    } else if (k == "--ports-file") {
      f.ports_file = v;
    } else if (k == "--systems") {
      f.systems = Split(v);
    } else if (k == "--round-timeout-s") {
      f.round_timeout_s = std::atoi(v.c_str());
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && f.rounds > 0 && !f.ports_file.empty() && !f.systems.empty();
}

// "Prometheus/2.42.0" -> "prometheus"; "firewatch/0.1" -> "firewatch".
std::string SystemOf(const std::string& user_agent) {
  std::string s = user_agent.substr(0, user_agent.find('/'));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// What the target serves and what the receivers saw, under one lock.
class State {
 public:
  // The exposition for a scrape by `system`, noting when it first saw the
  // current round over the threshold.
  std::string Scrape(const std::string& system) {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    ++scrapes_[system];
    if (over_ && !first_over_.count(system)) first_over_[system] = now;
    cv_.notify_all();
    return "# TYPE bench_errors gauge\nbench_errors{round=\"" + std::to_string(round_) + "\"} " +
           (over_ ? "1" : "0") + "\n";
  }

  void Hook(const std::string& system, const std::string& body) {
    const auto now = Clock::now();
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "firing") return;
    std::lock_guard lock(mu_);
    for (const json& a : j.value("alerts", json::array())) {
      if (a.value("status", "firing") != "firing") continue;
      const std::string r = a["labels"].value("round", "");
      if (r == std::to_string(round_) && over_ && !notified_.count(system)) {
        notified_[system] = now;
      }
    }
    cv_.notify_all();
  }

  // Starts round k below the threshold.
  void BeginRound(int k) {
    std::lock_guard lock(mu_);
    round_ = k;
    over_ = false;
    first_over_.clear();
    notified_.clear();
    scrapes_.clear();
  }

  // Waits until every system scraped since BeginRound; false on timeout.
  bool WaitScraped(const std::vector<std::string>& systems, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& s : systems) {
        if (scrapes_[s] == 0) return false;
      }
      return true;
    });
  }

  Clock::time_point Flip() {
    std::lock_guard lock(mu_);
    over_ = true;
    return Clock::now();
  }

  // Waits for every system's notification; returns what arrived.
  void WaitNotified(const std::vector<std::string>& systems, Clock::duration timeout,
                    std::map<std::string, Clock::time_point>& notified,
                    std::map<std::string, Clock::time_point>& first_over) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& s : systems) {
        if (!notified_.count(s)) return false;
      }
      return true;
    });
    notified = notified_;
    first_over = first_over_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int round_ = 0;
  bool over_ = false;
  std::map<std::string, int> scrapes_;
  std::map<std::string, Clock::time_point> first_over_, notified_;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile of a sorted sample.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

struct Samples {
  std::vector<double> from_flip, from_sample;
  int missed = 0;
};

// Runs the rounds, printing one line each; false when a system never
// scraped the target.
bool RunRounds(const Flags& f, State& state, std::map<std::string, Samples>& results) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> phase_ms(0, 999);
  std::printf("%5s", "round");
  for (const auto& s : f.systems) std::printf("  %14s  %14s", (s + " flip").c_str(), "sample");
  std::printf("   (ms)\n");
  for (int k = 1; k <= f.rounds; ++k) {
    state.BeginRound(k);
    // The first round also waits for the systems to start.
    if (!state.WaitScraped(f.systems, std::chrono::seconds(k == 1 ? 120 : 10))) {
      std::fprintf(stderr, "round %d: not every system scraped the target\n", k);
      return false;
    }
    // A uniformly random phase against the 1 s scrape cycles.
    std::this_thread::sleep_for(std::chrono::milliseconds(phase_ms(rng)));
    const auto flip = state.Flip();
    std::map<std::string, Clock::time_point> notified, first_over;
    state.WaitNotified(f.systems, std::chrono::seconds(f.round_timeout_s), notified, first_over);
    std::printf("%5d", k);
    for (const auto& s : f.systems) {
      if (!notified.count(s)) {
        std::printf("  %14s  %14s", "missed", "-");
        ++results[s].missed;
        continue;
      }
      const double a = Ms(notified[s] - flip);
      const double b = first_over.count(s) ? Ms(notified[s] - first_over[s]) : a;
      results[s].from_flip.push_back(a);
      results[s].from_sample.push_back(b);
      std::printf("  %14.1f  %14.1f", a, b);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return true;
}

// Prints the summary; false when any round was missed.
bool PrintSummary(const Flags& f, std::map<std::string, Samples>& results) {
  bool ok = true;
  std::printf("\n%-11s %7s %9s %9s %9s %9s %9s\n", "system", "rounds", "median", "p99", "max",
              "median*", "p99*");
  for (const auto& s : f.systems) {
    const Samples& r = results[s];
    std::printf("%-11s %7zu %9.1f %9.1f %9.1f %9.1f %9.1f", s.c_str(), r.from_flip.size(),
                Percentile(r.from_flip, 50), Percentile(r.from_flip, 99),
                Percentile(r.from_flip, 100), Percentile(r.from_sample, 50),
                Percentile(r.from_sample, 99));
    if (r.missed) std::printf("  (%d missed)", r.missed);
    std::printf("\n");
    ok = ok && r.missed == 0;
  }
  std::printf(
      "(ms from the flip; * from the first scrape that served the value over the "
      "threshold)\n");
  if (results.count("prometheus") && results.count("firewatch")) {
    const Samples &p = results["prometheus"], &w = results["firewatch"];
    std::printf(
        "ratio prometheus / firewatch: median %.1fx, p99 %.1fx (from the flip); "
        "median %.1fx, p99 %.1fx (from the sample)\n",
        Percentile(p.from_flip, 50) / Percentile(w.from_flip, 50),
        Percentile(p.from_flip, 99) / Percentile(w.from_flip, 99),
        Percentile(p.from_sample, 50) / Percentile(w.from_sample, 50),
        Percentile(p.from_sample, 99) / Percentile(w.from_sample, 99));
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, f)) {
    std::fprintf(stderr,
                 "usage: detection_probe --rounds N --ports-file F "
                 "[--systems prometheus,firewatch] [--round-timeout-s 15]\n");
    return 2;
  }
  State state;
  httplib::Server target, hooks;
  target.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(state.Scrape(SystemOf(req.get_header_value("User-Agent"))),
                    "text/plain; version=0.0.4");
  });
  hooks.Post(R"(/hook/(\w+))", [&](const httplib::Request& req, httplib::Response&) {
    state.Hook(req.matches[1].str(), req.body);
  });
  const int target_port = target.bind_to_any_port("127.0.0.1");
  const int hook_port = hooks.bind_to_any_port("127.0.0.1");
  std::thread t1([&] { target.listen_after_bind(); });
  std::thread t2([&] { hooks.listen_after_bind(); });
  std::ofstream(f.ports_file) << "target=" << target_port << "\nhook=" << hook_port << "\n";

  std::map<std::string, Samples> results;
  const bool started = RunRounds(f, state, results);
  target.stop();
  hooks.stop();
  t1.join();
  t2.join();
  const bool complete = PrintSummary(f, results);
  return started && complete ? 0 : 1;
}
