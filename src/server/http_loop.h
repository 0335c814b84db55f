#pragma once
// HttpLoop: the socket half of HttpServer. One I/O thread owns the listening
// socket and every connection through epoll; a pool of worker threads runs
// the request handler; each finished response goes back to the I/O thread
// (a queue and an eventfd), which writes it. An idle keep-alive connection
// therefore costs a file descriptor and a parser, never a thread.
//
// A connection serves one request at a time: the next pipelined request is
// parsed only once the previous response is written, so responses keep the
// order of their requests. Errors found by the parser are answered with
// "Connection: close"; after a response with unread request bytes behind it
// (say a 413) the loop stops sending and reads and drops what the client
// still sends for a moment, so that the client sees the response rather
// than a connection reset.
//
// Timeouts guard sockets against slow or absent peers, so they run on the
// steady clock, not on fw::Clock (whose time may be simulated or frozen).
//
// Thread safety: Start() and Stop() from the owning thread. The request
// handler runs on worker threads, concurrently; the error handler on the
// I/O thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "server/http.h"
#include "server/http_parser.h"
#include "server/http_response.h"

namespace fw::server {

struct LoopOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: any free port
  int threads = 32;
  // At the limit (or out of file descriptors) a new connection evicts the
  // oldest one that has no request in flight (idle, or still sending its
  // request), taken from the client with the most connections; only when
  // every connection is busy does the loop stop accepting until one closes.
  size_t max_connections = 1024;
  // Open connections from one peer IP address (loopback included); past it a
  // new connection gets 429 and is closed at once.
  size_t max_connections_per_client = 256;
  std::chrono::milliseconds idle_timeout{5000};    // keep-alive connection with no request
  std::chrono::milliseconds header_timeout{5000};  // from a request's first byte to its head's end
  std::chrono::milliseconds read_timeout{10000};   // from a request's first byte to its last
  std::chrono::milliseconds write_timeout{10000};  // a response write making no progress
  ParserLimits limits;
  // Runs on the I/O thread once a request's head is parsed and its body has
  // not all arrived: a response refuses the request there (sent with
  // "Connection: close"; the body is drained, never buffered). The server
  // checks credentials here, so a body is read only for a caller allowed to
  // send it. Optional.
  std::function<std::optional<Response>(const ParsedRequest& head, const std::string& remote)>
      admit;
};

class HttpLoop {
 public:
  // Runs on a worker for every complete request; remote is the peer's IP.
  using RequestHandler = std::function<Response(ParsedRequest& request, const std::string& remote)>;
  // Runs on the I/O thread for a request the parser rejected (parser.error())
  // or that timed out; the response goes out with "Connection: close".
  using ErrorHandler =
      std::function<Response(const RequestParser& parser, const std::string& remote)>;

  HttpLoop(LoopOptions options, RequestHandler on_request, ErrorHandler on_error);
  ~HttpLoop();  // stops
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

  // Binds (SO_REUSEADDR, never SO_REUSEPORT), listens and starts the
  // threads; returns the bound port. Fails with kIo, naming the address and
  // the reason. REQUIRES: called once.
  fw::Result<int> Start();
  // Stops accepting and closes idle connections at once; requests already
  // received are answered (with "Connection: close") before their
  // connections close; then joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::server
