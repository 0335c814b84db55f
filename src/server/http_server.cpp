// HttpServer on cpp-httplib. httplib does the sockets, HTTP parsing and the
// thread pool; routing, auth, body limits, error bodies and metrics are ours,
// so every request goes to one catch-all handler per method.
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/router.h"

namespace fw::server {

namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

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

fw::Result<void> ValidateOptions(const ServerOptions& o) {
  auto bad = [](std::string m) { return fw::Fail(fw::ErrorCode::kInvalidArgument, std::move(m)); };
  if (o.bind_address.empty()) return bad("server bind address is empty; use 127.0.0.1");
  if (o.port < 0 || o.port > 65535) {
    return bad("server port " + std::to_string(o.port) + " is outside 0..65535");
  }
  if (o.threads < 1 || o.threads > 1024) {
    return bad("server threads " + std::to_string(o.threads) + " is outside 1..1024");
  }
  if (o.max_body_bytes == 0) return bad("server max body bytes must be at least 1");
  if (o.read_timeout.count() <= 0 || o.write_timeout.count() <= 0) {
    return bad("server read and write timeouts must be positive");
  }
  return {};
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string ToLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string RawPath(const httplib::Request& req) {
  return req.target.substr(0, req.target.find('?'));
}

void Write(const Response& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  res.set_content(r.body, r.content_type);
}

// Code and message for a bare error status: a handler's empty error response
// or one httplib made (400 malformed request, 414 URI too long).
std::pair<std::string, std::string> DescribeStatus(int status) {
  switch (status) {
    case 400:
      return {"invalid_argument", "malformed HTTP request"};
    case 401:
      return {"unauthorized", "unauthorized"};
    case 403:
      return {"forbidden", "forbidden"};
    case 404:
      return {"not_found", "not found"};
    case 405:
      return {"method_not_allowed", "method not allowed"};
    case 413:
      return {"too_large", "request body is too large"};
    case 414:
      return {"too_large", "request URI is too long"};
    case 500:
      return {"internal", "internal server error"};
    case 503:
      return {"io", "service unavailable"};
  }
  return {"http_" + std::to_string(status), "HTTP status " + std::to_string(status)};
}

struct Body {
  enum class State { kOk, kTooLarge, kBroken };
  std::string bytes;
  State state = State::kOk;
};

// Reads the body under our own limit instead of letting httplib buffer it:
// httplib 0.11 applies payload_max_length to Content-Length only, not to
// chunked or gzip-decoded bodies. Past the limit the rest is read and thrown
// away (up to one more limit, at least 1 MiB) so that the client receives its
// 413 rather than a connection reset.
Body ReadBody(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader& reader, size_t limit) {
  Body body;
  // RFC 9112 6.3: a request with neither header has no body (httplib would
  // wait for the client to close).
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return body;
  const size_t extra = std::max<size_t>(limit, 1 << 20);
  const size_t drain = limit > std::numeric_limits<size_t>::max() - extra
                           ? std::numeric_limits<size_t>::max()
                           : limit + extra;
  size_t seen = 0;
  const bool complete = reader([&](const char* data, size_t n) {
    seen += n;
    if (seen > limit) {
      body.state = Body::State::kTooLarge;
      std::string().swap(body.bytes);
      return seen <= drain;
    }
    body.bytes.append(data, n);
    return true;
  });
  if (res.status == 413) {  // httplib's own Content-Length check
    body.state = Body::State::kTooLarge;
  } else if (!complete && body.state == Body::State::kOk) {
    body.state = Body::State::kBroken;
  }
  return body;
}

std::string Describe(std::exception_ptr ep) {
  try {
    if (ep) std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions o, fw::Clock& c, fw::Logger* l)
      : options(std::move(o)),
        clock(c),
        fallback_log(c, std::cerr, fw::LogLevel::kWarn),
        log(l ? *l : fallback_log) {}

  void Configure();
  void Serve(const httplib::Request& hreq, httplib::Response& hres, Body body);
  Response Dispatch(const httplib::Request& hreq, Body body, std::string* label,
                    std::string* principal);
  Response Invoke(const Route& route, Request req);
  Response Unauthenticated(const Caller& caller, std::string_view what) const;
  std::string TooLargeMessage() const {
    return "request body is larger than the server's limit of " +
           std::to_string(options.max_body_bytes) + " bytes";
  }
  httplib::Server::HandlerResponse OnLibraryError(const httplib::Request& hreq,
                                                  httplib::Response& hres);
  void Record(const httplib::Request& hreq, const std::string& label, int status,
              std::optional<fw::Timestamp> elapsed_ms, const std::string& principal);

  ServerOptions options;
  fw::Clock& clock;
  fw::Logger fallback_log;
  fw::Logger& log;
  SelfMetrics metrics;
  Router router;
  TokenTable tokens;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  bool started = false;
  int port = 0;
  std::mutex stop_mu;
};

HttpServer::HttpServer(ServerOptions options, fw::Clock& clock, fw::Logger* logger)
    : impl_(std::make_unique<Impl>(std::move(options), clock, logger)) {
  // /healthz is public: probes rarely carry tokens and it reveals nothing.
  impl_->router.Add(Route{"GET",
                          "/healthz",
                          Role::kViewer,
                          /*is_public=*/true,
                          [](const Request&) { return Response::Json(200, R"({"status":"ok"})"); },
                          {}});
  SelfMetrics* m = &impl_->metrics;
  Handle("GET", "/metrics", Role::kViewer,
         [m](const Request&) { return Response::Text(200, m->Render(), kMetricsContentType); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string method, std::string pattern, Role required, Handler handler) {
  if (impl_->started) {
    throw std::logic_error("HttpServer::Handle(" + method + " " + pattern +
                           ") called after Start()");
  }
  impl_->router.Add(Route{std::move(method),
                          std::move(pattern),
                          required,
                          /*is_public=*/false,
                          std::move(handler),
                          {}});
}

void HttpServer::HandleReadOnly(std::string method, std::string pattern, Handler handler) {
  if (impl_->started) {
    throw std::logic_error("HttpServer::HandleReadOnly(" + method + " " + pattern +
                           ") called after Start()");
  }
  Route r{std::move(method), std::move(pattern), Role::kViewer, false, std::move(handler), {}};
  r.read_only = true;
  impl_->router.Add(std::move(r));
}

fw::Result<int> HttpServer::Start() {
  Impl& s = *impl_;
  if (s.started) return fw::Fail(fw::ErrorCode::kInternal, "HttpServer::Start called twice");
  if (auto ok = ValidateOptions(s.options); !ok) return fw::Fail(ok.error());
  auto tokens = TokenTable::Create(s.options.tokens);
  if (!tokens) return fw::Fail(tokens.error().WithContext("server tokens"));
  s.tokens = std::move(*tokens);
  s.Configure();

  const std::string& host = s.options.bind_address;
  errno = 0;
  int port = -1;
  if (s.options.port == 0) {
    port = s.http.bind_to_any_port(host);
  } else if (s.http.bind_to_port(host, s.options.port)) {
    port = s.options.port;
  }
  if (port < 0) {
    const int err = errno;  // best effort: httplib does not report why
    return fw::Fail(fw::ErrorCode::kIo, "cannot listen on " + HostPort(host, s.options.port) +
                                            ": " + BindFailureReason(err));
  }
  s.started = true;
  s.port = port;
  s.listener = std::thread([&s] {
    s.http.listen_after_bind();
    s.listen_returned = true;
  });
  // httplib's stop() is a no-op until the listener loop runs; wait for it so
  // that a Stop() right after Start() cannot hang. Takes microseconds.
  while (!s.http.is_running() && !s.listen_returned) std::this_thread::yield();
  return port;
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (!impl_->listener.joinable()) return;
  impl_->http.stop();
  impl_->listener.join();
}

int HttpServer::port() const { return impl_->port; }

SelfMetrics& HttpServer::metrics() { return impl_->metrics; }

void HttpServer::Impl::Configure() {
  http.new_task_queue = [n = options.threads] {
    return new httplib::ThreadPool(static_cast<size_t>(n));
  };
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the
  // same port and silently take half the traffic. SO_REUSEADDR only allows
  // rebinding over TIME_WAIT after a restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(options.read_timeout);
  http.set_write_timeout(options.write_timeout);
  // One request per connection. httplib 0.11 pins a pool thread to each open
  // connection, so idle keep-alive clients could starve the pool and delay
  // Stop(); and a body we did not read to the end must never be parsed as
  // the next request.
  http.set_keep_alive_max_count(1);

  httplib::Server::Handler serve = [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, Body{});
  };
  httplib::Server::HandlerWithContentReader serve_body =
      [this](const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader& reader) {
        Serve(req, res, ReadBody(req, res, reader, options.max_body_bytes));
      };
  http.Get(".*", serve);  // also serves HEAD
  http.Options(".*", serve);
  http.Post(".*", serve_body);
  http.Put(".*", serve_body);
  http.Patch(".*", serve_body);
  http.Delete(".*", serve_body);
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        return OnLibraryError(req, res);
      }));
  // Backstop: Serve() catches handler exceptions itself; this catches ours.
  http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res,
                                    std::exception_ptr ep) {
    log.Error("exception in HTTP server",
              {{"method", req.method}, {"path", req.path}, {"error", Describe(ep)}});
    Write(Response::ErrorJson(500, "internal", "internal server error; see the server log"), res);
    Record(req, "none", 500, std::nullopt, "");
  });
}

void HttpServer::Impl::Serve(const httplib::Request& hreq, httplib::Response& hres, Body body) {
  const fw::Timestamp start = clock.Now();
  std::string label = "none", principal;
  Response r = Dispatch(hreq, std::move(body), &label, &principal);
  if (r.status < 100 || r.status > 599) {
    log.Error("handler returned an invalid HTTP status",
              {{"handler", label}, {"status", std::to_string(r.status)}});
    r = Response::ErrorJson(500, "internal", "handler returned an invalid status");
  } else if (r.status >= 400 && r.body.empty()) {
    // Keeps the error body format uniform; also marks the response as ours
    // for OnLibraryError.
    const auto [code, message] = DescribeStatus(r.status);
    r.body = Response::ErrorJson(r.status, code, message).body;
    r.content_type = "application/json";
  }
  Write(r, hres);
  Record(hreq, label, r.status, clock.Now() - start, principal);
}

Response HttpServer::Impl::Dispatch(const httplib::Request& hreq, Body body, std::string* label,
                                    std::string* principal) {
  RouteLookup found = router.Find(hreq.method, RawPath(hreq));
  if (found.route) *label = found.route->pattern;
  if (body.state == Body::State::kTooLarge) {
    return Response::ErrorJson(413, "too_large", TooLargeMessage());
  }
  if (body.state == Body::State::kBroken) {
    return Response::ErrorJson(400, "invalid_argument",
                               "request body is malformed or incomplete (bad chunked or gzip "
                               "encoding, or the client stopped sending)");
  }
  std::optional<std::string_view> authorization;
  if (auto it = hreq.headers.find("Authorization"); it != hreq.headers.end()) {
    authorization = it->second;
  }
  const Caller caller = Identify(tokens, authorization);
  if (caller.token) *principal = caller.token->name;
  const std::string what = hreq.method + " " + hreq.path;

  if (!found.route) {
    // Callers who could read nothing at all do not get to map the routes.
    if (Authorize(caller, "GET", Role::kViewer, false, options.allow_anonymous_read) !=
        Verdict::kAllow) {
      return Unauthenticated(caller, what);
    }
    if (found.allowed_methods.empty()) {
      return Response::ErrorJson(404, "not_found", "no route for " + what);
    }
    const std::string allow = Join(found.allowed_methods, ", ");
    Response r = Response::ErrorJson(
        405, "method_not_allowed",
        "method " + hreq.method + " is not allowed for " + hreq.path + "; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }

  const Route& route = *found.route;
  switch (Authorize(caller, route.read_only ? "GET" : hreq.method, route.required, route.is_public,
                    options.allow_anonymous_read)) {
    case Verdict::kUnauthenticated:
      return Unauthenticated(caller, what);
    case Verdict::kForbidden:
      return Response::ErrorJson(403, "forbidden",
                                 "token \"" + caller.token->name + "\" has role " +
                                     std::string(RoleName(caller.token->role)) + "; " + what +
                                     " needs " + std::string(RoleName(route.required)));
    case Verdict::kAllow:
      break;
  }

  Request req;
  req.method = hreq.method;
  req.path = hreq.path;
  req.query.insert(hreq.params.begin(), hreq.params.end());
  req.path_params = std::move(found.params);
  for (const auto& [name, value] : hreq.headers) {
    std::string key = ToLower(name);
    // httplib adds the peer's addresses as pseudo-headers; they are not the client's.
    if (key == "authorization" || key == "remote_addr" || key == "remote_port" ||
        key == "local_addr" || key == "local_port") {
      continue;
    }
    auto [it, inserted] = req.headers.emplace(std::move(key), value);
    if (!inserted) it->second += ", " + value;
  }
  req.body = std::move(body.bytes);
  if (caller.token) {
    req.role = caller.token->role;
    req.principal = caller.token->name;
  }
  return Invoke(route, std::move(req));
}

Response HttpServer::Impl::Invoke(const Route& route, Request req) {
  std::string error;
  try {
    return route.handler(req);
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  log.Error(
      "HTTP handler threw",
      {{"method", req.method}, {"path", req.path}, {"handler", route.pattern}, {"error", error}});
  return Response::ErrorJson(
      500, "internal",
      "internal error handling " + req.method + " " + req.path + "; the server log has details");
}

Response HttpServer::Impl::Unauthenticated(const Caller& caller, std::string_view what) const {
  Response r = Response::ErrorJson(
      401, "unauthorized",
      caller.sent_credentials
          ? "the bearer token is not valid for " + std::string(what)
          : std::string(what) + " needs a token: send Authorization: Bearer <token>");
  if (caller.sent_credentials) {
    for (auto& [name, value] : r.headers) {
      if (name == "WWW-Authenticate") value += ", error=\"invalid_token\"";
    }
  }
  return r;
}

// Errors httplib produces before our handler runs (400 malformed request,
// 413 body too large, 414 URI too long) arrive here with an empty body.
httplib::Server::HandlerResponse HttpServer::Impl::OnLibraryError(const httplib::Request& hreq,
                                                                  httplib::Response& hres) {
  if (!hres.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
  auto [code, message] = DescribeStatus(hres.status);
  if (hres.status == 413) message = TooLargeMessage();
  Write(Response::ErrorJson(hres.status, code, message), hres);
  const RouteLookup found = router.Find(hreq.method, RawPath(hreq));
  Record(hreq, found.route ? found.route->pattern : "none", hres.status, std::nullopt, "");
  return httplib::Server::HandlerResponse::Handled;
}

void HttpServer::Impl::Record(const httplib::Request& hreq, const std::string& label, int status,
                              std::optional<fw::Timestamp> elapsed_ms,
                              const std::string& principal) {
  metrics
      .counter("firewatch_http_requests_total", "HTTP requests served, by route and status code.",
               {{"code", std::to_string(status)}, {"handler", label}})
      .Inc();
  fw::LogFields fields = {{"method", hreq.method},
                          {"path", hreq.path},
                          {"status", std::to_string(status)},
                          {"handler", label},
                          {"remote", hreq.remote_addr}};
  if (!principal.empty()) fields.emplace_back("principal", principal);
  if (elapsed_ms) {
    metrics
        .histogram("firewatch_http_request_duration_seconds",
                   "Time from routing a request to having its response, by route.",
                   DefaultLatencyBuckets(), {{"handler", label}})
        .Observe(static_cast<double>(*elapsed_ms) / 1000.0);
    fields.emplace_back("duration_ms", std::to_string(*elapsed_ms));
  }
  // Probes and scrapes arrive every few seconds; keep them out of info logs.
  const bool routine = (label == "/healthz" || label == "/metrics") && status < 400;
  log.Log(routine ? fw::LogLevel::kDebug : fw::LogLevel::kInfo, "http request", fields);
}

}  // namespace fw::server
