// HttpLoop on Linux epoll, level-triggered. Connections live in a map from
// an id (the epoll key; fds are reused, ids never) and are erased only after
// the event batch that closed them, so no handler sees a dangling one.
#include "server/http_loop.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fw::server {

namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr uint64_t kListenKey = 0, kWakeKey = 1, kFirstConnectionKey = 2;
constexpr size_t kMaxBuffered = 256 << 10;  // read ahead of a request in flight
constexpr auto kSweepEvery = std::chrono::milliseconds(50);
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);  // after EMFILE and the like

std::string HostPort(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string BindFailureReason(int err) {
  switch (err) {
    case 0:
      return "the address could not be resolved or bound; use an IP address of this host";
    case EADDRINUSE:
      return "address already in use; another process has the port";
    case EADDRNOTAVAIL:
      return "the address is not one of this host's; use 127.0.0.1 or 0.0.0.0";
    case EACCES:
      return "permission denied; ports below 1024 need privileges";
  }
  return std::system_category().message(err);
}

std::string PeerAddress(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, buf, sizeof buf);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

struct Connection {
  uint64_t id = 0;
  int fd = -1;
  std::string remote;
  RequestParser parser;
  std::string in;   // received, not yet parsed
  std::string out;  // to send, from out_sent on
  size_t out_sent = 0;
  uint32_t events = 0;  // the epoll interest set now

  bool in_flight = false;        // a worker has its request
  bool head_request = false;     // of the request in flight
  bool keep_alive = false;       // of the request in flight
  bool http10 = false;           // of the request in flight
  bool request_started = false;  // bytes of the next request have arrived
  bool admitted = false;         // the head of the request being read passed options.admit
  std::stop_source cancel;       // of the request in flight: the client left, or Stop()
  bool close_after_write = false;
  bool linger = false;    // after the close: drain what the client still sends
  bool draining = false;  // write side shut, reading and dropping until EOF
  bool peer_closed = false;
  bool closed = false;
  size_t drained = 0;

  TimePoint idle_deadline, request_deadline, header_deadline, write_deadline, drain_deadline;
  TimePoint waiting_since;  // when it went idle or its request started: eviction order

  bool writing() const { return out_sent < out.size(); }
};

struct HttpLoop::Impl {
  struct Job {
    uint64_t connection;
    ParsedRequest request;
    std::string remote;
  };
  struct Done {
    uint64_t connection;
    Response response;
  };

  Impl(LoopOptions o, RequestHandler r, ErrorHandler e)
      : options(std::move(o)), on_request(std::move(r)), on_error(std::move(e)) {}

  fw::Result<int> Bind();
  void Run();
  void Worker();

  void Accept(TimePoint now);
  // Closes the connection best sacrificed for a new one (see
  // LoopOptions::max_connections); false when every connection is busy.
  bool EvictOne();
  Connection* FindVictim();  // null when every connection is busy
  // Answers 429 on a just-accepted socket whose client has too many open.
  void RefuseBusyClient(int fd, const std::string& remote);
  size_t live() const { return connections.size() - closed.size(); }
  void SetAccepting(bool on);
  void OnEvent(Connection& c, uint32_t events, TimePoint now);
  void OnReadable(Connection& c, TimePoint now);
  void Drain(Connection& c);
  void ProcessInput(Connection& c, TimePoint now);
  void Queue(Connection& c, std::string bytes, TimePoint now);
  void Flush(Connection& c, TimePoint now);
  void OnResponseWritten(Connection& c, TimePoint now);
  void Rearm(Connection& c, TimePoint now);
  void UpdateInterest(Connection& c);
  void Close(Connection& c);
  void OnWake(TimePoint now);
  void BeginStop();
  void Sweep(TimePoint now);
  void EraseClosed();

  LoopOptions options;
  RequestHandler on_request;
  ErrorHandler on_error;

  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  std::thread io_thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stop_requested{false};
  std::mutex stop_mu;

  // I/O thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
  std::unordered_map<std::string, size_t> per_client;  // open connections by peer address
  std::vector<uint64_t> closed;
  uint64_t next_id = kFirstConnectionKey;
  size_t outstanding = 0;  // jobs handed to workers, responses not yet back
  bool accepting = true, stopping = false;
  TimePoint accept_retry_at{};
  std::array<char, 64 << 10> read_buf;

  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  bool jobs_closed = false;

  std::mutex done_mu;
  std::vector<Done> done;
};

HttpLoop::HttpLoop(LoopOptions options, RequestHandler on_request, ErrorHandler on_error)
    : impl_(
          std::make_unique<Impl>(std::move(options), std::move(on_request), std::move(on_error))) {}

HttpLoop::~HttpLoop() { Stop(); }

fw::Result<int> HttpLoop::Impl::Bind() {
  const std::string& host = options.bind_address;
  auto fail = [&](int err) {
    return fw::Fail(fw::ErrorCode::kIo, "cannot listen on " + HostPort(host, options.port) + ": " +
                                            BindFailureReason(err));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(options.port).c_str(), &hints, &found) != 0) {
    return fail(0);
  }
  int err = 0;
  for (addrinfo* ai = found; ai && listen_fd < 0; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = errno;
      continue;
    }
    // SO_REUSEADDR only allows rebinding over TIME_WAIT after a restart;
    // SO_REUSEPORT would let a second process take half the traffic.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      listen_fd = fd;
    } else {
      err = errno;
      close(fd);
    }
  }
  freeaddrinfo(found);
  if (listen_fd < 0) return fail(err);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                                          : reinterpret_cast<sockaddr_in&>(addr).sin_port);
}

fw::Result<int> HttpLoop::Start() {
  Impl& s = *impl_;
  auto port = s.Bind();
  if (!port) return port;
  s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.epoll_fd < 0 || s.wake_fd < 0) {
    return fw::Fail(fw::ErrorCode::kIo, "cannot create the server's epoll or eventfd: " +
                                            std::system_category().message(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenKey;
  epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.data.u64 = kWakeKey;
  epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &ev);
  // Named for top -H and perf: "http-io" and "http-worker".
  for (int i = 0; i < s.options.threads; ++i) {
    s.workers.emplace_back([&s] {
      pthread_setname_np(pthread_self(), "http-worker");
      s.Worker();
    });
  }
  s.io_thread = std::thread([&s] {
    pthread_setname_np(pthread_self(), "http-io");
    s.Run();
  });
  return port;
}

void HttpLoop::Stop() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.stop_mu);
  if (s.io_thread.joinable()) {
    s.stop_requested = true;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(s.wake_fd, &one, sizeof one);
    s.io_thread.join();
  }
  {
    std::lock_guard<std::mutex> jobs_lock(s.jobs_mu);
    s.jobs_closed = true;
  }
  s.jobs_cv.notify_all();
  for (std::thread& t : s.workers) t.join();
  s.workers.clear();
  for (int* fd : {&s.listen_fd, &s.epoll_fd, &s.wake_fd}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void HttpLoop::Impl::Worker() {
  while (true) {
    std::unique_lock<std::mutex> lock(jobs_mu);
    jobs_cv.wait(lock, [this] { return !jobs.empty() || jobs_closed; });
    if (jobs.empty()) return;
    Job job = std::move(jobs.front());
    jobs.pop_front();
    lock.unlock();
    Done d{job.connection, {}};
    try {
      d.response = on_request(job.request, job.remote);
    } catch (...) {  // the handler catches its own; this keeps the worker alive regardless
      d.response = Response::ErrorJson(500, "internal", "internal server error");
    }
    bool wake;
    {
      std::lock_guard<std::mutex> done_lock(done_mu);
      wake = done.empty();  // else the I/O thread is already due to drain the queue
      done.push_back(std::move(d));
    }
    if (wake) {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof one);
    }
  }
}

void HttpLoop::Impl::Run() {
  std::array<epoll_event, 256> events;
  TimePoint last_sweep = SteadyClock::now();
  while (!(stopping && connections.empty() && outstanding == 0)) {
    const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(kSweepEvery.count()));
    const TimePoint now = SteadyClock::now();
    for (int i = 0; i < n; ++i) {
      const uint64_t key = events[i].data.u64;
      if (key == kListenKey) {
        Accept(now);
      } else if (key == kWakeKey) {
        OnWake(now);
      } else if (auto it = connections.find(key); it != connections.end()) {
        OnEvent(*it->second, events[i].events, now);
      }
    }
    EraseClosed();
    if (now - last_sweep >= kSweepEvery) {
      Sweep(now);
      EraseClosed();
      last_sweep = now;
    }
  }
  for (auto& [id, c] : connections) Close(*c);
  EraseClosed();
}

void HttpLoop::Impl::Accept(TimePoint now) {
  bool evicted_for_fds = false;
  while (accepting) {
    const bool full = live() >= options.max_connections;
    if (full && !FindVictim()) {
      SetAccepting(false);  // every connection is busy: resumes when one closes
      return;
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd =
        accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && !evicted_for_fds && EvictOne()) {
        // Out of descriptors: one idle or slow connection makes room. Its
        // descriptor is closed at once; only its bookkeeping waits.
        evicted_for_fds = true;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Out of descriptors or memory: level-triggered epoll would spin.
        SetAccepting(false);
        accept_retry_at = now + kAcceptRetry;
      }
      return;
    }
    evicted_for_fds = false;
    std::string remote = PeerAddress(addr);
    if (per_client[remote] >= options.max_connections_per_client) {
      RefuseBusyClient(fd, remote);
      continue;
    }
    // Only now that a connection has come, and may stay, is one evicted for it.
    if (full) EvictOne();
    size_t& mine = per_client[remote];  // after EvictOne, which may erase entries
    ++mine;
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_unique<Connection>();
    c->id = next_id++;
    c->fd = fd;
    c->remote = std::move(remote);
    c->parser = RequestParser(options.limits);
    c->events = EPOLLIN;
    epoll_event ev{};
    ev.events = c->events;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      if (--mine == 0) per_client.erase(c->remote);
      continue;
    }
    Rearm(*c, now);
    connections.emplace(c->id, std::move(c));
  }
}

bool HttpLoop::Impl::EvictOne() {
  Connection* victim = FindVictim();
  if (!victim) return false;
  Close(*victim);
  return true;
}

Connection* HttpLoop::Impl::FindVictim() {
  // Idle keep-alive connections and requests still arriving cost the server
  // nothing to drop (the client retries); answers in progress are never
  // dropped. The busiest client loses first, then the longest waiting.
  Connection* victim = nullptr;
  size_t victim_count = 0;
  for (auto& [id, p] : connections) {
    Connection& c = *p;
    if (c.closed || c.in_flight || c.writing() || c.draining || c.close_after_write) continue;
    const size_t count = per_client[c.remote];
    if (!victim || count > victim_count ||
        (count == victim_count && c.waiting_since < victim->waiting_since)) {
      victim = &c;
      victim_count = count;
    }
  }
  return victim;
}

void HttpLoop::Impl::RefuseBusyClient(int fd, const std::string& remote) {
  Response r = Response::ErrorJson(429, "too_many_connections",
                                   "too many open connections from " + remote + " (limit " +
                                       std::to_string(options.max_connections_per_client) +
                                       "); reuse connections or close idle ones");
  const std::string bytes = SerializeResponse(r, false, true, false);
  // Best effort on a fresh socket whose buffer is empty; never blocks.
  [[maybe_unused]] ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd);
}

void HttpLoop::Impl::SetAccepting(bool on) {
  if (accepting == on || listen_fd < 0) return;
  accepting = on;
  epoll_event ev{};
  ev.events = on ? uint32_t{EPOLLIN} : 0;
  ev.data.u64 = kListenKey;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
}

void HttpLoop::Impl::OnEvent(Connection& c, uint32_t events, TimePoint now) {
  if (c.closed) return;
  if (events & EPOLLERR) return Close(c);
  if (events & EPOLLOUT) Flush(c, now);
  if (c.closed) return;
  if (events & (EPOLLIN | EPOLLHUP)) {
    if (c.draining) return Drain(c);
    if (c.events & EPOLLIN) return OnReadable(c, now);
    if (events & EPOLLHUP) Close(c);  // gone while we were not reading
  }
}

void HttpLoop::Impl::OnReadable(Connection& c, TimePoint now) {
  while (!c.closed && !c.close_after_write && !c.draining && c.in.size() < kMaxBuffered) {
    const ssize_t n = recv(c.fd, read_buf.data(), read_buf.size(), 0);
    if (n > 0) {
      c.in.append(read_buf.data(), static_cast<size_t>(n));
      if (!c.in_flight && !c.writing()) ProcessInput(c, now);
      if (static_cast<size_t>(n) < read_buf.size() || c.in_flight) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return Close(c);
    // EOF: a client may half-close after its request; answer it, then close.
    // Work for it is canceled, as Go's server cancels a request's context.
    c.peer_closed = true;
    if (c.in_flight) c.cancel.request_stop();
    if (!c.in_flight && !c.writing()) return Close(c);
    c.close_after_write = true;
    break;
  }
  if (!c.closed) UpdateInterest(c);
}

void HttpLoop::Impl::Drain(Connection& c) {
  while (true) {
    const ssize_t n = recv(c.fd, read_buf.data(), read_buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.drained += n > 0 ? static_cast<size_t>(n) : 0;
    const size_t budget = std::max<size_t>(options.limits.max_body_bytes, 1 << 20);
    if (n <= 0 || c.drained > budget) return Close(c);
  }
}

void HttpLoop::Impl::ProcessInput(Connection& c, TimePoint now) {
  if (c.in_flight || c.close_after_write || c.draining || c.closed) return;
  const size_t used = c.parser.Feed(c.in);
  c.in.erase(0, used);
  switch (c.parser.status()) {
    case RequestParser::Status::kNeedMore:
      if (c.parser.head_done() && !c.admitted && options.admit) {
        c.admitted = true;
        std::optional<Response> refused;
        try {
          refused = options.admit(c.parser.request(), c.remote);
        } catch (...) {  // the I/O thread must survive; the worker checks again
          refused.reset();
        }
        if (refused) {
          c.close_after_write = true;
          c.linger = !c.peer_closed;
          Queue(c, SerializeResponse(*refused, false, true, false), now);
          return;
        }
      }
      if (c.parser.awaiting_continue()) {
        c.parser.ContinueSent();
        Queue(c, "HTTP/1.1 100 Continue\r\n\r\n", now);
      }
      if (!c.closed) Rearm(c, now);
      return;
    case RequestParser::Status::kError: {
      c.close_after_write = true;
      c.linger = !c.peer_closed;
      Queue(c, SerializeResponse(on_error(c.parser, c.remote), false, true, false), now);
      return;
    }
    case RequestParser::Status::kComplete:
      break;
  }
  ParsedRequest& r = c.parser.request();
  c.cancel = std::stop_source();
  r.cancel = c.cancel.get_token();
  c.in_flight = true;
  c.head_request = r.method == "HEAD";
  c.keep_alive = r.keep_alive;
  c.http10 = r.minor_version == 0;
  c.request_started = false;
  ++outstanding;
  {
    std::lock_guard<std::mutex> lock(jobs_mu);
    jobs.push_back(Job{c.id, std::move(r), c.remote});
  }
  jobs_cv.notify_one();
  c.parser.Reset();
  c.admitted = false;
}

void HttpLoop::Impl::Queue(Connection& c, std::string bytes, TimePoint now) {
  if (c.out.empty()) {
    c.out = std::move(bytes);
  } else {
    c.out += bytes;
  }
  c.write_deadline = now + options.write_timeout;
  Flush(c, now);
}

void HttpLoop::Impl::Flush(Connection& c, TimePoint now) {
  while (c.writing()) {
    const ssize_t n =
        send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      c.write_deadline = now + options.write_timeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return UpdateInterest(c);
    return Close(c);
  }
  c.out.clear();
  c.out_sent = 0;
  OnResponseWritten(c, now);
}

void HttpLoop::Impl::OnResponseWritten(Connection& c, TimePoint now) {
  if (c.close_after_write && !c.in_flight) {
    if (!c.linger) return Close(c);
    // Closing with unread bytes would make the kernel reset the connection
    // and the client could lose the response; drain them for a moment first.
    shutdown(c.fd, SHUT_WR);
    c.draining = true;
    c.drain_deadline = now + kLingerTime;
    UpdateInterest(c);
    return Drain(c);
  }
  if (!c.in_flight) ProcessInput(c, now);  // a pipelined request may be waiting
  if (!c.closed) UpdateInterest(c);
}

void HttpLoop::Impl::Rearm(Connection& c, TimePoint now) {
  if (c.in_flight || c.writing() || c.draining) return;
  if (!c.in.empty() || !c.parser.idle()) {
    if (!c.request_started) {
      c.request_deadline = now + options.read_timeout;
      c.header_deadline = now + options.header_timeout;
      c.waiting_since = now;
    }
    c.request_started = true;
  } else {
    c.request_started = false;
    c.idle_deadline = now + options.idle_timeout;
    c.waiting_since = now;
  }
}

void HttpLoop::Impl::UpdateInterest(Connection& c) {
  uint32_t want = 0;
  if (c.draining || (!c.peer_closed && !c.close_after_write && c.in.size() < kMaxBuffered)) {
    want = EPOLLIN;
  }
  if (c.writing()) want |= EPOLLOUT;
  if (want == c.events) return;
  c.events = want;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
}

void HttpLoop::Impl::Close(Connection& c) {
  if (c.closed) return;
  if (c.in_flight) c.cancel.request_stop();  // nobody will read the answer
  close(c.fd);                               // also removes it from the epoll set
  c.closed = true;
  closed.push_back(c.id);
  if (auto it = per_client.find(c.remote); it != per_client.end() && --it->second == 0) {
    per_client.erase(it);
  }
}

void HttpLoop::Impl::EraseClosed() {
  for (uint64_t id : closed) connections.erase(id);
  closed.clear();
  if (!accepting && !stopping && live() < options.max_connections &&
      SteadyClock::now() >= accept_retry_at) {
    SetAccepting(true);
  }
}

void HttpLoop::Impl::OnWake(TimePoint now) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(wake_fd, &count, sizeof count);
  std::vector<Done> batch;
  {
    std::lock_guard<std::mutex> lock(done_mu);
    batch.swap(done);
  }
  if (stop_requested && !stopping) BeginStop();
  for (Done& d : batch) {
    --outstanding;
    auto it = connections.find(d.connection);
    if (it == connections.end() || it->second->closed) continue;
    Connection& c = *it->second;
    c.in_flight = false;
    const bool close = !c.keep_alive || stopping || c.peer_closed;
    c.close_after_write |= close;
    Queue(c, SerializeResponse(d.response, c.head_request, close, c.http10 && !close), now);
  }
}

void HttpLoop::Impl::BeginStop() {
  stopping = true;
  SetAccepting(false);
  close(listen_fd);
  listen_fd = -1;
  for (auto& [id, c] : connections) {
    if (c->in_flight || c->writing()) {
      c->close_after_write = true;
      c->linger = false;
      // Long work (a query) ends now, answered as canceled, so that
      // stopping takes as long as the slowest check, not the slowest query.
      if (c->in_flight) c->cancel.request_stop();
    } else {
      Close(*c);
    }
  }
}

void HttpLoop::Impl::Sweep(TimePoint now) {
  for (auto& [id, p] : connections) {
    Connection& c = *p;
    if (c.closed || c.in_flight) continue;
    if (c.writing()) {
      if (now > c.write_deadline) Close(c);
    } else if (c.draining) {
      if (now > c.drain_deadline) Close(c);
    } else if (c.request_started) {
      const bool head_late = !c.parser.head_done() && now >= c.header_deadline;
      if (now < c.request_deadline && !head_late) continue;
      // Slow or stalled client (slowloris): answer 408 and close.
      c.parser.Fail(408, head_late ? "the request's headers did not arrive within the server's "
                                     "header timeout of " +
                                         std::to_string(options.header_timeout.count()) + " ms"
                                   : "the request did not arrive within the server's read "
                                     "timeout of " +
                                         std::to_string(options.read_timeout.count()) + " ms");
      c.close_after_write = true;
      Queue(c, SerializeResponse(on_error(c.parser, c.remote), false, true, false), now);
    } else if (now > c.idle_deadline) {
      Close(c);
    }
  }
  // Paused at the limit: resume once a connection closed, or one that was
  // busy went idle and may be evicted for a newcomer.
  if (!accepting && !stopping && now >= accept_retry_at &&
      (live() < options.max_connections || FindVictim())) {
    SetAccepting(true);
  }
}

}  // namespace fw::server
