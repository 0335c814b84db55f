// Slow clients against the real `firewatch serve` (issue #14, "Stalls"): a
// thousand connections that send nothing, a header byte now and then, or a
// body byte now and then (slowloris and slow POST), from many loopback
// addresses (all of 127.0.0.0/8 is this host on Linux, so one machine plays
// many clients), kept open for the whole measurement and reopened whenever
// the server drops one. Meanwhile /healthz and an authenticated alert intake
// POST, each on a fresh connection, must answer within 1 s. Also: the
// per-client connection limit (429) and the header timeout (408).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "serve_fixture.h"

namespace fw::e2e {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Raises this process's open-file limit to its hard limit; returns it.
rlim_t RaiseFileLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

// A non-blocking socket connected from source address `from` (an IPv4
// loopback address) to 127.0.0.1:port, or -1.
int ConnectFrom(const std::string& from, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, from.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The attack: `count` slow connections from 127.0.<i/250>.<i%250+2>,
// `per_address` per address, in three kinds (silent, slow headers, slow
// body), each sending one byte every `every`. A dropped one is reopened.
// Bounded: it stops (and closes everything) at Stop() or after `limit`.
class Slowloris {
 public:
  Slowloris(int port, int count, int per_address, std::chrono::milliseconds every,
            std::chrono::seconds limit = std::chrono::seconds(60))
      : port_(port), every_(every), until_(SteadyClock::now() + limit) {
    conns_.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      const int a = i / per_address;
      conns_[i].from = "127.0." + std::to_string(1 + a / 250) + "." + std::to_string(2 + a % 250);
      conns_[i].kind = i % 3;
    }
    for (Conn& c : conns_) Open(c);
    thread_ = std::thread([this] { Run(); });
  }
  ~Slowloris() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
      c.fd = -1;
    }
  }
  int open() const { return open_; }
  int reopened() const { return reopened_; }

 private:
  struct Conn {
    std::string from;
    int kind = 0;  // 0 silent, 1 slow headers, 2 slow body
    int fd = -1;
  };

  void Open(Conn& c) {
    c.fd = ConnectFrom(c.from, port_);
    if (c.fd < 0) return;
    ++open_;
    std::string start;
    if (c.kind == 1) start = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    if (c.kind == 2) {
      start =
          "POST /api/v2/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer hard\r\n"
          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[";
    }
    if (!start.empty()) (void)send(c.fd, start.data(), start.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }

  void Run() {
    while (!stop_ && SteadyClock::now() < until_) {
      for (Conn& c : conns_) {
        if (stop_) return;
        char byte = c.kind == 1 ? 'X' : ' ';
        if (c.fd >= 0 && c.kind != 0 && send(c.fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
          continue;
        }
        // Silent ones, and any the server answered or closed: still open?
        char buf[512];
        const ssize_t n = c.fd < 0 ? 0 : recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (c.fd >= 0) {
          close(c.fd);
          --open_;
        }
        ++reopened_;
        Open(c);
      }
      for (auto slept = std::chrono::milliseconds(0); slept < every_ && !stop_;
           slept += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  int port_;
  std::chrono::milliseconds every_;
  SteadyClock::time_point until_;
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0}, reopened_{0};
  std::thread thread_;
};

struct Latencies {
  std::vector<double> ms;
  int failures = 0;
  double Quantile(double q) const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<size_t>(q * static_cast<double>(s.size())))];
  }
  std::string Summary() const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "n=%zu failed=%d median=%.1f ms p99=%.1f ms max=%.1f ms",
                  ms.size(), failures, Quantile(0.5), Quantile(0.99), Quantile(1.0));
    return buf;
  }
};

class SlowClientsTest : public ServeFixture {
 protected:
  // Measures /healthz and an intake POST, each on a new connection, every
  // 100 ms for `duration`.
  void Measure(std::chrono::seconds duration, Latencies& health, Latencies& intake) {
    const std::string alert = R"([{"labels":{"alertname":"SlowClientProbe","severity":"info"}}])";
    const auto end = SteadyClock::now() + duration;
    for (int i = 0; SteadyClock::now() < end; ++i) {
      const bool post = i % 2 == 1;
      auto c = Client();
      const auto t0 = SteadyClock::now();
      auto r = post ? c->Post("/api/v2/alerts", {{"Authorization", "Bearer hard"}}, alert,
                              "application/json")
                    : c->Get("/healthz");
      const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
      Latencies& l = post ? intake : health;
      if (!r || r->status != 200) {
        ++l.failures;
      } else {
        l.ms.push_back(ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void AttackAndMeasure(const std::vector<std::string>& flags, const char* what) {
    if (RaiseFileLimit() < 2500) GTEST_SKIP() << "needs 2,500 open files (ulimit -Hn)";
    ASSERT_TRUE(StartServe(flags));
    Slowloris attack(port_, 1000, 4, std::chrono::milliseconds(2000));
    EXPECT_GE(attack.open(), 990) << "the attack could not open its connections";
    Latencies health, intake;
    // Long enough for every timeout (header 5 s, read 10 s, idle 5 s) to
    // fire on the attack and the attack to come back.
    Measure(std::chrono::seconds(12), health, intake);
    const int reopened = attack.reopened();
    attack.Stop();
    std::printf("[ %s ] 1000 slow connections (%d reopened): /healthz %s; intake POST %s\n", what,
                reopened, health.Summary().c_str(), intake.Summary().c_str());
    EXPECT_EQ(health.failures, 0);
    EXPECT_EQ(intake.failures, 0);
    EXPECT_GT(health.ms.size(), 20u);
    EXPECT_LT(health.Quantile(1.0), 1000.0) << health.Summary();
    EXPECT_LT(intake.Quantile(1.0), 1000.0) << intake.Summary();
  }
};

TEST_F(SlowClientsTest, AThousandSlowConnectionsDoNotDelayRequests) {
  AttackAndMeasure({}, "defaults");
}

// With room for only 256 connections, the attack's connections must make
// way for the requests (evicted: idle or still arriving, busiest client first).
TEST_F(SlowClientsTest, SlowConnectionsAreEvictedAtTheConnectionLimit) {
  AttackAndMeasure({"--web.max-connections", "256"}, "max-connections 256");
}

TEST_F(SlowClientsTest, OneClientIsLimitedToItsShareOfConnections) {
  ASSERT_TRUE(StartServe({"--web.max-connections-per-client", "20"}));
  std::vector<int> fds;
  int refused = 0;
  for (int i = 0; i < 30; ++i) {
    const int fd = ConnectFrom("127.0.0.9", port_);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  for (int fd : fds) {
    timeval tv{0, 300'000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0 && std::string(buf, static_cast<size_t>(n)).starts_with("HTTP/1.1 429")) ++refused;
  }
  EXPECT_EQ(refused, 10) << "20 of 30 connections from one address may stay open";
  // Another address, and this one once it closes some, are served.
  auto r = Client()->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (int fd : fds) close(fd);
  EXPECT_TRUE(PollUntil([&] {
    const int fd = ConnectFrom("127.0.0.9", port_);
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)send(fd, get.data(), get.size(), MSG_NOSIGNAL);
    char buf[64] = "";
    const ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    close(fd);
    return n > 0 && std::string(buf).starts_with("HTTP/1.1 200");
  }));
}

TEST_F(SlowClientsTest, HeadersThatTrickleInGet408AtTheHeaderTimeout) {
  ASSERT_TRUE(StartServe({"--web.read-header-timeout", "1s", "--web.read-timeout", "30s"}));
  const int fd = ConnectFrom("127.0.0.1", port_);
  ASSERT_GE(fd, 0);
  timeval tv{0, 200'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string start = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  (void)send(fd, start.data(), start.size(), MSG_NOSIGNAL);
  const auto t0 = SteadyClock::now();
  std::string answer;
  while (answer.empty() && SteadyClock::now() - t0 < std::chrono::seconds(10)) {
    (void)send(fd, "X", 1, MSG_NOSIGNAL);  // a byte every 200 ms: never a whole header
    char buf[512];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) answer.assign(buf, static_cast<size_t>(n));
  }
  close(fd);
  const auto took = SteadyClock::now() - t0;
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find("header timeout of 1000 ms"), std::string::npos) << answer;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(SlowClientsTest, BadWebFlagsAreRefused) {
  for (std::vector<std::string> flags :
       {std::vector<std::string>{"--web.read-header-timeout", "0s"},
        {"--web.read-timeout", "soon"},
        {"--web.require-read-token", "maybe"},
        {"--web.max-connections-per-client", "0"}}) {
    RunResult r = fw::e2e::Run([&] {
      std::vector<std::string> argv{FIREWATCH_BIN, "serve", "--data", dir_ + "/d", "--port", "0"};
      argv.insert(argv.end(), flags.begin(), flags.end());
      return argv;
    }());
    EXPECT_NE(r.exit_code, 0) << flags[0];
    EXPECT_NE(r.err.find(flags[0]), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace fw::e2e
