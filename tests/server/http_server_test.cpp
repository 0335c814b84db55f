// Starts a real HttpServer on 127.0.0.1 with an OS-chosen port and talks to
// it with httplib::Client. Time comes from a ManualClock, so durations are
// exact and nothing sleeps.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "server/http.h"
#include "server/http_response.h"

namespace fw::server {
namespace {

using nlohmann::json;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : logger_(clock_, log_, LogLevel::kInfo) {}

  // Creates the server with the standard test routes; Start() is up to the test.
  HttpServer& Make(ServerOptions options = {}) {
    if (options.tokens.empty()) {
      options.tokens = {{"viewer-tok", Role::kViewer, "grafana"},
                        {"responder-tok", Role::kResponder, "alice"},
                        {"admin-tok", Role::kAdmin, "root"}};
    }
    server_ = std::make_unique<HttpServer>(std::move(options), clock_, &logger_);
    server_->Handle("GET", "/api/v1/things", Role::kViewer, [](const Request& r) {
      json j = {{"role", r.role ? std::string(RoleName(*r.role)) : "anonymous"},
                {"principal", r.principal}};
      return Response::Json(200, j.dump());
    });
    server_->Handle("GET", "/api/v1/instances/:id/events/:n", Role::kViewer, [](const Request& r) {
      json j = {{"id", r.path_params.at("id")},
                {"n", r.path_params.at("n")},
                {"x", r.Param("x")},
                {"x_count", r.query.count("x")},
                {"path", r.path},
                {"headers", r.headers}};
      return Response::Json(200, j.dump());
    });
    server_->Handle("GET", "/api/v1/secret", Role::kResponder,
                    [](const Request&) { return Response::Json(200, "{}"); });
    server_->Handle("POST", "/api/v1/ack", Role::kResponder, [](const Request& r) {
      json j = {{"role", RoleName(*r.role)}, {"principal", r.principal}, {"body", r.body}};
      return Response::Json(200, j.dump());
    });
    server_->Handle("POST", "/api/v1/echo", Role::kViewer, [](const Request& r) {
      return Response::Text(200, std::to_string(r.body.size()));
    });
    server_->HandleReadOnly("POST", "/api/v1/query", [](const Request& r) {
      return Response::Text(200, r.role ? "token" : "anonymous");
    });
    server_->Handle("GET", "/slow", Role::kViewer, [this](const Request&) {
      clock_.Advance(std::chrono::milliseconds(250));
      return Response::Json(200, "{}");
    });
    server_->Handle("GET", "/throw", Role::kViewer, [](const Request&) -> Response {
      throw std::runtime_error("db handle is null");
    });
    server_->Handle("GET", "/throw-int", Role::kViewer,
                    [](const Request&) -> Response { throw 42; });
    server_->Handle("GET", "/empty-404", Role::kViewer,
                    [](const Request&) { return Response::Json(404, ""); });
    return *server_;
  }

  // Creates and starts; returns a client for it.
  std::unique_ptr<httplib::Client> Serve(ServerOptions options = {}) {
    HttpServer& s = Make(std::move(options));
    auto port = s.Start();
    EXPECT_TRUE(port.has_value()) << (port ? "" : port.error().ToString());
    EXPECT_GT(*port, 0);
    EXPECT_EQ(s.port(), *port);
    return Client(*port);
  }

  static std::unique_ptr<httplib::Client> Client(int port) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(std::chrono::seconds(5));
    c->set_read_timeout(std::chrono::seconds(5));
    return c;
  }

  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  // Checks the standard error body and returns its message.
  static std::string ExpectError(const httplib::Result& res, int status, const std::string& code) {
    EXPECT_TRUE(res) << "request failed: " << httplib::to_string(res.error());
    if (!res) return "";
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    json j = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << res->body;
    if (j.is_discarded()) return "";
    EXPECT_EQ(j["status"], "error") << res->body;
    EXPECT_EQ(j["error"]["code"], code) << res->body;
    return j["error"]["message"].get<std::string>();
  }

  std::string Metrics(httplib::Client& c) {
    auto res = c.Get("/metrics");
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200);
    return res->body;
  }

  ManualClock clock_{1'700'000'000'000};
  std::ostringstream log_;
  Logger logger_;
  std::unique_ptr<HttpServer> server_;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Sends raw bytes and reads until the server closes the connection, for
// requests httplib::Client will not make (chunked, gzip, no Content-Length).
// Connections are kept alive: a request that should be answered and closed
// says "Connection: close".
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{3, 0};  // below the server's 5 s keep-alive idle timeout
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "<connect failed>";
  }
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      out += "<recv error or timeout>";
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// gzip of 1000 'a' bytes.
const std::string kGzip1000(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\x4c\x1c\x05\xa3\x60\x14\x0c\x77\x00"
    "\x00\x03\xda\x38\x9a\xe8\x03\x00\x00",
    29);

// One client connection for keep-alive tests: sends bytes and reads one
// response at a time (framed by Content-Length), with a receive timeout.
class RawConnection {
 public:
  struct Reply {
    int status = 0;  // 0: no complete response (closed or timed out)
    std::string head, body;
    bool Has(const std::string& header_line) const {
      return head.find("\r\n" + header_line + "\r\n") != std::string::npos;
    }
  };

  explicit RawConnection(int port, int timeout_ms = 3000) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    SetTimeout(timeout_ms);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  void SetTimeout(int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  Reply Read(bool head_request = false) {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t length = 0;
    if (const size_t at = r.head.find("\r\nContent-Length: "); at != std::string::npos) {
      length = std::stoul(r.head.substr(at + 18));
    }
    if (head_request) length = 0;
    while (buf_.size() < length) {
      if (!Fill()) return r;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    r.status = std::stoi(r.head.substr(9, 3));
    return r;
  }
  Reply Exchange(const std::string& request) {
    Send(request);
    return Read(request.starts_with("HEAD "));
  }
  // True when the server closed the connection with nothing more to read.
  bool ClosedByServer() {
    char c;
    return buf_.empty() && recv(fd_, &c, 1, 0) == 0;
  }

 private:
  bool Fill() {
    char chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

std::string Echo(const std::string& body, const std::string& extra = "") {
  return "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Serve();
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 200; ++i) {
    const auto r = conn.Exchange(i % 2 ? Get("/healthz") : Echo(std::string(i, 'x')));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.head;
    EXPECT_EQ(r.body, i % 2 ? R"({"status":"ok"})" : std::to_string(i));
    EXPECT_FALSE(r.Has("Connection: close")) << r.head;
  }
  // HEAD: the length GET would send, and no body to misread as the next response.
  const auto head = conn.Exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.Has("Content-Length: 15")) << head.head;
  EXPECT_EQ(conn.Exchange(Get("/nope")).status, 404);
  const auto last = conn.Exchange(Get("/healthz", "Connection: close\r\n"));
  EXPECT_EQ(last.status, 200);
  EXPECT_TRUE(last.Has("Connection: close")) << last.head;
  EXPECT_TRUE(conn.ClosedByServer());
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Serve();
  RawConnection conn(server_->port());
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += i % 3 == 0
                 ? Echo(std::string(i, 'p'))
                 : Get("/api/v1/instances/n" + std::to_string(i) + "/events/" + std::to_string(i));
  }
  conn.Send(batch);
  for (int i = 0; i < 20; ++i) {
    const auto r = conn.Read();
    ASSERT_EQ(r.status, 200) << i;
    if (i % 3 == 0) {
      EXPECT_EQ(r.body, std::to_string(i));
    } else {
      EXPECT_EQ(json::parse(r.body)["id"], "n" + std::to_string(i));
    }
  }
}

TEST_F(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  Serve();
  RawConnection plain(server_->port());
  const auto r = plain.Exchange("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.Has("Connection: close")) << r.head;
  EXPECT_TRUE(plain.ClosedByServer());

  RawConnection kept(server_->port());
  const std::string req = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  const auto first = kept.Exchange(req);
  EXPECT_TRUE(first.Has("Connection: keep-alive")) << first.head;
  EXPECT_EQ(kept.Exchange(req).status, 200);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = std::chrono::milliseconds(200);
  Serve(o);
  RawConnection conn(server_->port());
  ASSERT_EQ(conn.Exchange(Get("/healthz")).status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.ClosedByServer());  // recv waits up to 3 s
  const double waited = SecondsSince(t0);
  EXPECT_GE(waited, 0.1);
  EXPECT_LT(waited, 1.5);
}

TEST_F(HttpServerTest, SlowRequestGets408AndIsClosed) {
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  Serve(o);
  RawConnection conn(server_->port());
  conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  const auto r = conn.Read();
  EXPECT_EQ(r.status, 408) << r.head;
  EXPECT_TRUE(r.Has("Connection: close"));
  EXPECT_TRUE(conn.ClosedByServer());
  EXPECT_TRUE(Contains(Metrics(*Client(server_->port())), "{code=\"408\",handler=\"none\"} 1\n"));
}

TEST_F(HttpServerTest, BodyOverLimitClosesAndThePipelinedRestIsNeverServed) {
  ServerOptions o;
  o.max_body_bytes = 64;
  HttpServer& s = Make(o);
  std::atomic<int> served{0};
  s.Handle("GET", "/count", Role::kViewer, [&served](const Request&) {
    ++served;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(s.Start().has_value());
  RawConnection conn(s.port());
  ASSERT_EQ(conn.Exchange(Echo("small")).status, 200);  // kept alive until the 413
  conn.Send(Echo(std::string(100, 'b')) + Get("/count"));
  const auto r = conn.Read();
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.Has("Connection: close")) << r.head;
  EXPECT_TRUE(conn.ClosedByServer());
  EXPECT_EQ(served.load(), 0);
}

TEST_F(HttpServerTest, SmugglingFramingIsRejected) {
  HttpServer& s = Make();
  std::atomic<int> served{0};
  s.Handle("GET", "/count", Role::kViewer, [&served](const Request&) {
    ++served;
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(s.Start().has_value());
  const std::string smuggled = Get("/count");
  for (const std::string& framing :
       {"Content-Length: " + std::to_string(smuggled.size()) + "\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 0\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n"}) {
    RawConnection conn(s.port());
    conn.Send("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n" +
              framing + "\r\n" + smuggled);
    const auto r = conn.Read();
    EXPECT_EQ(r.status, 400) << framing;
    EXPECT_TRUE(Contains(r.body, R"("code":"invalid_argument")")) << r.body;
    EXPECT_TRUE(conn.ClosedByServer()) << framing;
  }
  EXPECT_EQ(served.load(), 0);
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  Serve();
  RawConnection conn(server_->port());
  conn.Send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
      "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  const auto interim = conn.Read();
  EXPECT_EQ(interim.status, 100) << interim.head;
  conn.Send("hello");
  const auto r = conn.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "5");
}

TEST_F(HttpServerTest, MoreIdleConnectionsThanThreadsAreServedPromptly) {
  ServerOptions o;
  o.threads = 2;
  Serve(o);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 50; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_EQ(idle.back()->Exchange(Get("/healthz")).status, 200) << i;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto c = Client(server_->port());
  auto res = c->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (auto& conn : idle) EXPECT_EQ(conn->Exchange(Get("/healthz")).status, 200);
  EXPECT_LT(SecondsSince(t0), 1.0) << "idle connections must not hold threads";
}

TEST_F(HttpServerTest, AtTheConnectionLimitAnIdleConnectionMakesWay) {
  ServerOptions o;
  o.max_connections = 2;
  Serve(o);
  RawConnection a(server_->port()), b(server_->port());
  ASSERT_EQ(a.Exchange(Get("/healthz")).status, 200);
  ASSERT_EQ(b.Exchange(Get("/healthz")).status, 200);
  // Both idle now: the longest idle one is closed for the newcomer.
  RawConnection third(server_->port());
  EXPECT_EQ(third.Exchange(Get("/healthz")).status, 200);
  EXPECT_TRUE(a.ClosedByServer());
}

TEST_F(HttpServerTest, AtTheConnectionLimitBusyConnectionsAreKeptAndNewOnesWait) {
  ServerOptions o;
  o.max_connections = 2;
  HttpServer& s = Make(o);
  std::atomic<bool> release{false};
  std::atomic<int> entered{0};
  s.Handle("GET", "/hold", Role::kViewer, [&](const Request&) {
    ++entered;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Response::Json(200, "{}");
  });
  ASSERT_TRUE(s.Start().has_value());
  RawConnection a(s.port()), b(s.port());
  a.Send(Get("/hold"));
  b.Send(Get("/hold"));
  const auto t0 = std::chrono::steady_clock::now();
  while (entered < 2 && SecondsSince(t0) < 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(entered, 2);
  RawConnection third(s.port(), 300);  // the kernel's backlog takes it
  ASSERT_TRUE(third.connected());
  third.Send(Get("/healthz"));
  EXPECT_EQ(third.Read().status, 0) << "a request in flight was evicted";
  release = true;
  EXPECT_EQ(a.Read().status, 200);
  EXPECT_EQ(b.Read().status, 200);
  third.SetTimeout(3000);
  EXPECT_EQ(third.Read().status, 200);
}

TEST_F(HttpServerTest, ConnectionsPerClientAreLimitedWith429) {
  ServerOptions o;
  o.max_connections_per_client = 3;
  Serve(o);
  std::vector<std::unique_ptr<RawConnection>> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_EQ(kept.back()->Exchange(Get("/healthz")).status, 200);
  }
  RawConnection fourth(server_->port());
  const auto r = fourth.Read();
  EXPECT_EQ(r.status, 429) << r.head;
  EXPECT_TRUE(Contains(r.body, "too many open connections from 127.0.0.1 (limit 3)")) << r.body;
  EXPECT_TRUE(fourth.ClosedByServer());
  kept.pop_back();  // one closes: room again
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    RawConnection again(server_->port());
    served = again.Exchange(Get("/healthz")).status == 200;
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpServerTest, HeadersArrivingTooSlowlyGet408AtTheHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.read_timeout = std::chrono::milliseconds(30'000);
  Serve(o);
  RawConnection conn(server_->port());
  const auto t0 = std::chrono::steady_clock::now();
  conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  conn.SetTimeout(100);
  RawConnection::Reply r;
  while (r.status == 0 && SecondsSince(t0) < 5) {
    conn.Send("X");  // a header byte at a time, never the blank line
    r = conn.Read();
  }
  EXPECT_EQ(r.status, 408) << r.head;
  EXPECT_TRUE(Contains(r.body, "header timeout of 300 ms")) << r.body;
  EXPECT_LT(SecondsSince(t0), 2.0);
  // A body may take longer than the header timeout (up to read_timeout).
  RawConnection slow_body(server_->port());
  slow_body.Send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
      "Content-Length: 2\r\n\r\n{");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  slow_body.Send("}");
  EXPECT_EQ(slow_body.Read().status, 200);
}

TEST_F(HttpServerTest, ReadyzAndPublicRoutesNeedNoTokenEvenWithAnonymousReadsOff) {
  ServerOptions o;
  o.allow_anonymous_read = false;
  HttpServer& s = Make(o);
  s.HandlePublic("GET", "/api/v1/status", [](const Request& r) {
    return Response::Json(200, r.role ? R"({"who":"token"})" : R"({"who":"anyone"})");
  });
  s.SetReady(false);
  ASSERT_TRUE(s.Start().has_value());
  auto c = Client(s.port());
  EXPECT_EQ(c->Get("/readyz")->status, 503);
  s.SetReady(true);
  EXPECT_EQ(c->Get("/readyz")->status, 200);
  EXPECT_EQ(c->Get("/api/v1/status")->status, 200);
  EXPECT_EQ(c->Get("/api/v1/status", Bearer("wrong"))->status, 200);
  EXPECT_EQ(c->Get("/api/v1/things")->status, 401);
}

TEST_F(HttpServerTest, StopWithIdleAndBusyConnectionsIsPrompt) {
  HttpServer& s = Make();
  std::atomic<bool> release{false};
  std::atomic<int> entered{0};
  s.Handle("GET", "/hold", Role::kViewer, [&](const Request&) {
    ++entered;
    while (!release) std::this_thread::yield();
    return Response::Json(200, R"({"held":true})");
  });
  ASSERT_TRUE(s.Start().has_value());
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<RawConnection>(s.port()));
    ASSERT_EQ(idle.back()->Exchange(Get("/healthz")).status, 200);
  }
  RawConnection busy(s.port());
  busy.Send(Get("/hold"));
  while (entered == 0) std::this_thread::yield();
  std::thread stopper([&] { s.Stop(); });
  for (auto& conn : idle) EXPECT_TRUE(conn->ClosedByServer());  // closed at once
  release = true;
  const auto t0 = std::chrono::steady_clock::now();
  stopper.join();
  EXPECT_LT(SecondsSince(t0), 1.0);
  // The request in flight is answered, and told the connection closes.
  const auto r = busy.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.Has("Connection: close")) << r.head;
  EXPECT_TRUE(busy.ClosedByServer());
}

TEST_F(HttpServerTest, ManyStartStopCyclesStayPrompt) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) {
    HttpServer s(ServerOptions{}, clock_, &logger_);
    ASSERT_TRUE(s.Start().has_value());
    RawConnection idle(s.port());
    ASSERT_EQ(idle.Exchange(Get("/healthz")).status, 200);
    s.Stop();
  }
  EXPECT_LT(SecondsSince(t0), 5.0);
}

TEST_F(HttpServerTest, OversizedTargetAndHeadersGetJsonErrors) {
  Serve();
  RawConnection uri(server_->port());
  const auto r414 = uri.Exchange(Get("/" + std::string(9000, 'u')));
  EXPECT_EQ(r414.status, 414);
  EXPECT_TRUE(Contains(r414.body, R"("code":"too_large")")) << r414.body;
  EXPECT_TRUE(uri.ClosedByServer());
  RawConnection headers(server_->port());
  const auto r431 = headers.Exchange(Get("/healthz", "X-Big: " + std::string(70000, 'h') + "\r\n"));
  EXPECT_EQ(r431.status, 431);
  EXPECT_TRUE(Contains(r431.body, R"("code":"too_large")")) << r431.body;
  EXPECT_TRUE(headers.ClosedByServer());
}

TEST_F(HttpServerTest, ResponseTheClientDoesNotReadIsDroppedAfterWriteTimeout) {
  ServerOptions o;
  o.write_timeout = std::chrono::milliseconds(200);
  HttpServer& s = Make(o);
  const size_t size = 32 << 20;  // far more than the socket buffers hold
  s.Handle("GET", "/big", Role::kViewer,
           [size](const Request&) { return Response::Text(200, std::string(size, 'b')); });
  ASSERT_TRUE(s.Start().has_value());
  RawConnection conn(s.port());
  conn.Send(Get("/big"));
  // A real-time timeout on the server side: nothing to synchronise on but time.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = conn.Read();  // what the buffers held, then the close
  EXPECT_EQ(r.status, 0) << "the whole response arrived; the write timeout did not fire";
  EXPECT_LT(SecondsSince(t0), 2.0) << "the connection stalled instead of being closed";
  auto c = Client(s.port());
  auto health = c->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(SerializeResponseTest, FramingIsOursAndHandlerHeadersCannotSplitTheResponse) {
  Response r = Response::Json(200, "{}");
  r.headers = {{"X-Ok", "1"},
               {"Content-Length", "999"},
               {"Connection", "keep-alive"},
               {"X-Evil", "a\r\nSet-Cookie: x"},
               {"X-Bad\r\nName", "v"}};
  EXPECT_EQ(SerializeResponse(r, false, false, false),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "X-Ok: 1\r\n\r\n{}");
  EXPECT_EQ(SerializeResponse(r, /*head_only=*/true, /*close=*/true, false),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "X-Ok: 1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(SerializeResponse(Response::Text(204, ""), false, false, /*http10_keep_alive=*/true),
            "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
}

TEST_F(HttpServerTest, ReadOnlyPostRoutesAreOpenLikeGets) {
  auto c = Serve();
  auto r = c->Post("/api/v1/query", "query=up", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "anonymous");
  r = c->Post("/api/v1/echo", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << "an ordinary POST still needs a token";
  ServerOptions closed;
  closed.allow_anonymous_read = false;
  c = Serve(closed);
  r = c->Post("/api/v1/query", "query=up", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << "read-only routes follow the anonymous-read option";
}

TEST_F(HttpServerTest, HealthzIsOk) {
  auto c = Serve();
  auto res = c->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"status":"ok"})");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, MetricsCountRequestsByHandlerAndCode) {
  auto c = Serve();
  ASSERT_TRUE(c->Get("/healthz"));
  ASSERT_TRUE(c->Get("/healthz"));
  ASSERT_TRUE(c->Get("/nope"));
  auto res = c->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& body = res->body;
  EXPECT_TRUE(
      Contains(body, "firewatch_http_requests_total{code=\"200\",handler=\"/healthz\"} 2\n"))
      << body;
  EXPECT_TRUE(Contains(body, "firewatch_http_requests_total{code=\"404\",handler=\"none\"} 1\n"))
      << body;
  EXPECT_EQ(body.find("# TYPE firewatch_http_requests_total counter"),
            body.rfind("# TYPE firewatch_http_requests_total counter"));
  EXPECT_TRUE(Contains(body, "# TYPE firewatch_http_request_duration_seconds histogram"));

  // The counters keep going up: this scrape sees the previous one.
  ASSERT_TRUE(c->Get("/healthz"));
  const std::string again = Metrics(*c);
  EXPECT_TRUE(Contains(again, "{code=\"200\",handler=\"/healthz\"} 3\n")) << again;
  EXPECT_TRUE(Contains(again, "{code=\"200\",handler=\"/metrics\"} 1\n")) << again;
}

TEST_F(HttpServerTest, DurationIsMeasuredWithTheClock) {
  auto c = Serve();
  auto res = c->Get("/slow");  // the handler advances the ManualClock by 250ms
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string m = Metrics(*c);
  const std::string h = "firewatch_http_request_duration_seconds";
  EXPECT_TRUE(Contains(m, h + "_bucket{handler=\"/slow\",le=\"0.1\"} 0\n")) << m;
  EXPECT_TRUE(Contains(m, h + "_bucket{handler=\"/slow\",le=\"0.25\"} 1\n")) << m;
  EXPECT_TRUE(Contains(m, h + "_sum{handler=\"/slow\"} 0.25\n")) << m;
  EXPECT_TRUE(Contains(m, h + "_count{handler=\"/slow\"} 1\n")) << m;
}

TEST_F(HttpServerTest, PathParamsQueryAndHeadersReachTheHandler) {
  auto c = Serve();
  httplib::Headers headers = {{"X-Trace-ID", "t1"}, {"Authorization", "Bearer viewer-tok"}};
  auto res = c->Get("/api/v1/instances/db%2F1/events/7?x=a%20b&x=2", headers);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["id"], "db/1");
  EXPECT_EQ(j["n"], "7");
  EXPECT_EQ(j["x"], "a b");
  EXPECT_EQ(j["x_count"], 2);
  EXPECT_EQ(j["headers"]["x-trace-id"], "t1");
  EXPECT_FALSE(j["headers"].contains("authorization"));  // tokens never reach handlers
}

TEST_F(HttpServerTest, UnknownRouteIs404Json) {
  auto c = Serve();
  std::string msg = ExpectError(c->Get("/api/v1/nothing"), 404, "not_found");
  EXPECT_TRUE(Contains(msg, "/api/v1/nothing")) << msg;
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto c = Serve();
  auto res = c->Delete("/healthz", Bearer("admin-tok"));
  ExpectError(res, 405, "method_not_allowed");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  auto put = c->Put("/api/v1/ack", Bearer("admin-tok"), "{}", "application/json");
  ExpectError(put, 405, "method_not_allowed");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->get_header_value("Allow"), "POST");
}

TEST_F(HttpServerTest, BodyOverLimitIs413JsonAndCounted) {
  ServerOptions o;
  o.max_body_bytes = 64;
  auto c = Serve(o);
  auto ok = c->Post("/api/v1/echo", Bearer("viewer-tok"), std::string(64, 'a'), "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "64");
  auto big = c->Post("/api/v1/echo", Bearer("viewer-tok"), std::string(1000, 'a'), "text/plain");
  std::string msg = ExpectError(big, 413, "too_large");
  EXPECT_TRUE(Contains(msg, "64 bytes")) << msg;
  EXPECT_TRUE(Contains(Metrics(*c), "{code=\"413\",handler=\"/api/v1/echo\"} 1\n"));
  ASSERT_TRUE(c->Get("/healthz"));  // still serving
}

TEST_F(HttpServerTest, ChunkedBodyIsLimitedAndTheRestIsNeverParsedAsARequest) {
  ServerOptions o;
  o.max_body_bytes = 64;
  HttpServer& s = Make(o);
  std::atomic<int> smuggled{0};
  s.Handle("POST", "/count", Role::kViewer, [&smuggled](const Request&) {
    ++smuggled;
    return Response::Json(200, "{}");
  });
  auto port = s.Start();
  ASSERT_TRUE(port.has_value());

  const std::string inner =
      "POST /count HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
      "Content-Length: 0\r\n\r\n";
  const std::string chunk = inner + std::string(100, 'y');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  const std::string out =
      RawExchange(*port,
                  "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n" +
                      std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n" + inner);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_TRUE(Contains(out, R"("code":"too_large")")) << out;
  EXPECT_TRUE(Contains(out, "Connection: close")) << out;
  EXPECT_FALSE(Contains(out, "<recv")) << out;  // closed, not left waiting
  EXPECT_EQ(smuggled.load(), 0);

  // Well past the limit the body is still drained, so the 413 arrives intact
  // instead of being lost to a connection reset.
  std::string many;
  for (int i = 0; i < 64; ++i) many += "1000\r\n" + std::string(4096, 'z') + "\r\n";
  const std::string big =
      RawExchange(*port,
                  "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n" +
                      many + "0\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big.substr(0, 200);
  EXPECT_TRUE(big.ends_with("}")) << big.substr(0, 200);

  const std::string ok =
      RawExchange(*port,
                  "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                  "a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_TRUE(ok.ends_with("\r\n\r\n13")) << ok;
}

TEST_F(HttpServerTest, GzipBodyIsLimitedByItsDecodedSize) {
  const std::string request =
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
      "Content-Encoding: gzip\r\nContent-Length: 29\r\nConnection: close\r\n\r\n" +
      kGzip1000;
  ServerOptions small;
  small.max_body_bytes = 64;
  Serve(small);
  const std::string out = RawExchange(server_->port(), request);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;

  ServerOptions big;
  big.max_body_bytes = 1000;
  Serve(big);
  const std::string ok = RawExchange(server_->port(), request);
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_TRUE(ok.ends_with("\r\n\r\n1000")) << ok;
}

TEST_F(HttpServerTest, PostWithoutContentLengthHasEmptyBody) {
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(1000);  // a wait for EOF would fail with 400
  Serve(o);
  const std::string out =
      RawExchange(server_->port(),
                  "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-tok\r\n"
                  "Connection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n0")) << out;
}

TEST_F(HttpServerTest, MalformedRequestGetsJsonError) {
  Serve();
  const std::string out = RawExchange(server_->port(), "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_TRUE(Contains(out, R"({"status":"error","error":{"code":"invalid_argument")")) << out;
}

TEST_F(HttpServerTest, RolesGive401Then403Then200) {
  auto c = Serve();
  const std::string body = R"({"incident":1})";
  auto none = c->Post("/api/v1/ack", body, "application/json");
  ExpectError(none, 401, "unauthorized");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);

  auto wrong = c->Post("/api/v1/ack", Bearer("guess"), body, "application/json");
  ExpectError(wrong, 401, "unauthorized");
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(Contains(wrong->get_header_value("WWW-Authenticate"), "invalid_token"));

  std::string msg = ExpectError(
      c->Post("/api/v1/ack", Bearer("viewer-tok"), body, "application/json"), 403, "forbidden");
  EXPECT_TRUE(Contains(msg, "viewer")) << msg;
  EXPECT_TRUE(Contains(msg, "responder")) << msg;
  EXPECT_FALSE(Contains(msg, "viewer-tok")) << msg;  // never echo the secret

  for (const auto& [token, role, who] : {std::tuple{"responder-tok", "responder", "alice"},
                                         std::tuple{"admin-tok", "admin", "root"}}) {
    auto res = c->Post("/api/v1/ack", Bearer(token), body, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    json j = json::parse(res->body);
    EXPECT_EQ(j["role"], role);
    EXPECT_EQ(j["principal"], who);
    EXPECT_EQ(j["body"], body);
  }
}

TEST_F(HttpServerTest, AnonymousReadAllowedByDefault) {
  auto c = Serve();
  auto res = c->Get("/api/v1/things");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["role"], "anonymous");
  // Only kViewer routes are open, and a wrong token is not treated as none.
  ExpectError(c->Get("/api/v1/secret"), 401, "unauthorized");
  ExpectError(c->Get("/api/v1/things", Bearer("guess")), 401, "unauthorized");
  auto head = c->Head("/api/v1/things");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(HttpServerTest, AnonymousReadCanBeDisabled) {
  ServerOptions o;
  o.allow_anonymous_read = false;
  auto c = Serve(o);
  ExpectError(c->Get("/api/v1/things"), 401, "unauthorized");
  ExpectError(c->Get("/metrics"), 401, "unauthorized");
  // Unknown paths do not reveal the route table to anonymous callers.
  ExpectError(c->Get("/api/v1/nothing"), 401, "unauthorized");
  auto res = c->Get("/api/v1/things", Bearer("viewer-tok"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["role"], "viewer");
  auto health = c->Get("/healthz");  // probes need no token
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  auto c = Serve();
  std::string msg = ExpectError(c->Get("/throw"), 500, "internal");
  EXPECT_FALSE(Contains(msg, "db handle")) << "internals leaked: " << msg;
  EXPECT_TRUE(Contains(log_.str(), "db handle is null")) << log_.str();
  ExpectError(c->Get("/throw-int"), 500, "internal");
  auto res = c->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(Contains(Metrics(*c), "{code=\"500\",handler=\"/throw\"} 1\n"));
}

TEST_F(HttpServerTest, EmptyHandlerErrorGetsJsonBody) {
  auto c = Serve();
  ExpectError(c->Get("/empty-404"), 404, "not_found");
}

TEST_F(HttpServerTest, RequestsAreLoggedAsJson) {
  auto c = Serve();
  ASSERT_TRUE(c->Get("/api/v1/things", Bearer("viewer-tok")));
  const std::string log = log_.str();
  ASSERT_FALSE(log.empty());
  json line = json::parse(log.substr(0, log.find('\n')));
  EXPECT_EQ(line["message"], "http request");
  EXPECT_EQ(line["path"], "/api/v1/things");
  EXPECT_EQ(line["status"], "200");
  EXPECT_EQ(line["principal"], "grafana");
  EXPECT_EQ(line["@timestamp"], FormatRfc3339Millis(clock_.Now()));
  EXPECT_FALSE(Contains(log, "viewer-tok"));
}

TEST_F(HttpServerTest, QuietRoutesLogOnlyTheirFailures) {
  HttpServer& s = Make({});
  s.LogQuietly("POST", "/api/v1/echo");
  auto port = s.Start();
  ASSERT_TRUE(port) << port.error().ToString();
  auto c = Client(*port);
  ASSERT_TRUE(c->Post("/api/v1/echo", Bearer("viewer-tok"), "x", "text/plain"));
  EXPECT_EQ(log_.str(), "") << "a successful quiet request is logged at debug";
  auto denied = c->Post("/api/v1/echo", "x", "text/plain");  // no token: 401
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_TRUE(Contains(log_.str(), "\"status\":\"401\"")) << log_.str();
  ASSERT_TRUE(c->Post("/api/v1/ack", Bearer("responder-tok"), "x", "text/plain"));
  EXPECT_TRUE(Contains(log_.str(), "/api/v1/ack")) << "other routes log at info";
  EXPECT_THROW(s.LogQuietly("POST", "/late"), std::logic_error);
}

TEST_F(HttpServerTest, BindFailureNamesTheAddress) {
  auto c = Serve();
  ServerOptions o;
  o.port = server_->port();
  HttpServer second(o, clock_, &logger_);
  auto res = second.Start();
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(Contains(res.error().message(), "127.0.0.1:" + std::to_string(o.port)))
      << res.error().message();
  EXPECT_EQ(second.port(), 0);
  auto still = c->Get("/healthz");  // the first server keeps its port and traffic
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

TEST_F(HttpServerTest, StopIsIdempotentAndClosesThePort) {
  auto c = Serve();
  ASSERT_TRUE(c->Get("/healthz"));
  server_->Stop();
  server_->Stop();
  auto res = c->Get("/healthz");
  EXPECT_FALSE(res);
  server_.reset();  // destructor after Stop
}

TEST_F(HttpServerTest, StopWithoutStartAndStopRightAfterStart) {
  HttpServer& s = Make();
  s.Stop();
  HttpServer other(ServerOptions{}, clock_, &logger_);
  ASSERT_TRUE(other.Start().has_value());
  other.Stop();
  EXPECT_FALSE(Client(other.port())->Get("/healthz"));
}

TEST_F(HttpServerTest, StartTwiceFailsAndHandleAfterStartThrows) {
  auto c = Serve();
  auto again = server_->Start();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kInternal);
  EXPECT_THROW(server_->Handle("GET", "/late", Role::kViewer,
                               [](const Request&) { return Response::Json(200, "{}"); }),
               std::logic_error);
}

TEST_F(HttpServerTest, BadOptionsAreRejectedBeforeBinding) {
  ServerOptions dup;
  dup.tokens = {{"same", Role::kViewer, "a"}, {"same", Role::kAdmin, "b"}};
  HttpServer s1(dup, clock_, &logger_);
  auto r1 = s1.Start();
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r1.error().message(), "server tokens")) << r1.error().message();

  ServerOptions port;
  port.port = 70000;
  HttpServer s2(port, clock_, &logger_);
  auto r2 = s2.Start();
  ASSERT_FALSE(r2.has_value());
  EXPECT_TRUE(Contains(r2.error().message(), "70000"));
}

// Request::cancel: a handler's work is canceled when its client goes away
// and when the server stops, so that a long query neither outlives its
// caller nor holds up shutdown.
class HttpCancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(ServerOptions{}, clock_);
    server_->Handle("GET", "/wait", Role::kViewer, [this](const Request& r) {
      started_.set_value();
      std::mutex m;
      std::condition_variable cv;
      bool stop = false;
      std::stop_callback on_cancel(r.cancel, [&] {
        std::lock_guard lock(m);
        stop = true;
        cv.notify_all();
      });
      std::unique_lock lock(m);
      canceled_.set_value(cv.wait_for(lock, std::chrono::seconds(20), [&] { return stop; }));
      return Response::Json(200, "{}");
    });
    auto port = server_->Start();
    ASSERT_TRUE(port);
    port_ = *port;
  }

  ManualClock clock_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::promise<void> started_;
  std::promise<bool> canceled_;
};

TEST_F(HttpCancelTest, ClientGoingAwayCancelsTheRequest) {
  auto began = started_.get_future();
  auto canceled = canceled_.get_future();
  {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(began.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  }  // the client closes its socket
  ASSERT_EQ(canceled.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(canceled.get()) << "the handler was not told its client left";
}

TEST_F(HttpCancelTest, StoppingCancelsRequestsInFlight) {
  auto began = started_.get_future();
  auto canceled = canceled_.get_future();
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  c.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(began.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  server_->Stop();  // returns once the handler has: promptly, when canceled
  ASSERT_EQ(canceled.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_TRUE(canceled.get()) << "stopping waited for the handler's own time limit";
  EXPECT_EQ(c.Read().status, 200) << "a request in flight is still answered";
}

}  // namespace
}  // namespace fw::server
