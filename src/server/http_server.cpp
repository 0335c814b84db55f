// HttpServer: routing, auth, limits, error bodies and metrics on top of
// HttpLoop (sockets, keep-alive, worker pool) and RequestParser (HTTP
// framing). Complete requests arrive here on worker threads; requests the
// parser rejected arrive on the I/O thread and get the same JSON errors.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>

#include "common/log.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/http_loop.h"
#include "server/http_parser.h"
#include "server/router.h"

namespace fw::server {

namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

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
  if (o.read_timeout.count() <= 0 || o.write_timeout.count() <= 0 || o.idle_timeout.count() <= 0 ||
      o.header_timeout.count() <= 0) {
    return bad("server header, read, write and idle timeouts must be positive");
  }
  if (o.max_connections < 1) return bad("server max connections must be at least 1");
  if (o.max_connections_per_client < 1) {
    return bad("server max connections per client must be at least 1");
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

// The parts of a request the server itself looks at, before routing.
struct Incoming {
  std::string method;
  std::string raw_path;  // as sent: the router splits it before decoding
  std::string path;      // decoded
  std::string remote;
};

Incoming Describe(const ParsedRequest& r, const std::string& remote) {
  Incoming in{r.method, r.target.substr(0, r.target.find('?')), "", remote};
  in.path = PercentDecode(in.raw_path);
  return in;
}

// Query parameters as HTML forms encode them: '+' is a space.
std::string QueryDecode(std::string_view s) {
  std::string plus(s);
  std::replace(plus.begin(), plus.end(), '+', ' ');
  return PercentDecode(plus);
}

void ParseQuery(std::string_view target, std::multimap<std::string, std::string>* out) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      out->emplace(QueryDecode(pair.substr(0, eq)),
                   eq == std::string_view::npos ? "" : QueryDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
}

// Code and message for a bare error status: a handler's empty error response
// or one the parser found (the parser's own message is used when it has one).
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
    case 408:
      return {"timeout", "the request did not arrive in time"};
    case 413:
      return {"too_large", "request body is too large"};
    case 414:
      return {"too_large", "request URI is too long"};
    case 415:
      return {"unsupported_media_type", "unsupported Content-Encoding"};
    case 431:
      return {"too_large", "request headers are too large"};
    case 500:
      return {"internal", "internal server error"};
    case 503:
      return {"io", "service unavailable"};
    case 505:
      return {"invalid_argument", "HTTP version not supported"};
  }
  return {"http_" + std::to_string(status), "HTTP status " + std::to_string(status)};
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions o, fw::Clock& c, fw::Logger* l)
      : options(std::move(o)),
        clock(c),
        fallback_log(c, std::cerr, fw::LogLevel::kWarn),
        log(l ? *l : fallback_log) {}

  LoopOptions MakeLoopOptions();
  Response Serve(ParsedRequest& raw, const std::string& remote);
  Response Dispatch(const Incoming& in, ParsedRequest& raw, std::string* label,
                    std::string* principal);
  Response Invoke(const Route& route, Request req);
  // The routing and credential checks of a request, from its head alone:
  // the refusal (401, 403, 404, 405), or nullopt when it may go on.
  std::optional<Response> Gate(const Incoming& in, const RouteLookup& found,
                               const Caller& caller) const;
  // LoopOptions::admit: 401 and 403 before the body is read.
  std::optional<Response> Admit(const ParsedRequest& head, const std::string& remote);
  Response Unauthenticated(const Caller& caller, std::string_view what) const;
  // The caller of a request: its bearer token, else its web session (kept in
  // *session, which the Caller points into); *refusal set on a CSRF failure.
  // is_public: the route needs no credentials (a CSRF failure is no refusal).
  Caller WhoIs(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view method, bool is_public, std::optional<TokenSpec>* session,
               std::string* refusal) const;
  Response OnParseError(const RequestParser& parser, const std::string& remote);
  void Record(const Incoming& in, const std::string& label, int status,
              std::optional<fw::Timestamp> elapsed_ms, const std::string& principal);

  ServerOptions options;
  fw::Clock& clock;
  fw::Logger fallback_log;
  fw::Logger& log;
  SelfMetrics metrics;
  Router router;
  std::set<std::pair<std::string, std::string>> quiet;  // (method, pattern): LogQuietly
  struct RequestMetrics {
    Counter* requests = nullptr;
    Histogram* duration = nullptr;
  };
  // The handles for a route's label and a status code, made on first use.
  RequestMetrics MetricsFor(const std::string& label, int status, bool timed);
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::shared_mutex request_metrics_mu;
  std::unordered_map<int,
                     std::unordered_map<std::string, RequestMetrics, StringHash, std::equal_to<>>>
      request_metrics;
  TokenTable tokens;
  SessionResolver sessions;
  std::atomic<bool> ready{true};  // GET /readyz
  std::unique_ptr<HttpLoop> loop;
  bool started = false;
  int port = 0;
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
  impl_->router.Add(Route{"GET",
                          "/readyz",
                          Role::kViewer,
                          /*is_public=*/true,
                          [ready = &impl_->ready](const Request&) {
                            return ready->load() ? Response::Json(200, R"({"status":"ready"})")
                                                 : Response::ErrorJson(503, "not_ready",
                                                                       "starting up; not ready");
                          },
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

void HttpServer::HandlePublic(std::string method, std::string pattern, Handler handler) {
  if (impl_->started) {
    throw std::logic_error("HttpServer::HandlePublic(" + method + " " + pattern +
                           ") called after Start()");
  }
  impl_->router.Add(Route{std::move(method),
                          std::move(pattern),
                          Role::kViewer,
                          /*is_public=*/true,
                          std::move(handler),
                          {}});
}

void HttpServer::SetSessionResolver(SessionResolver resolver) {
  if (impl_->started) throw std::logic_error("HttpServer::SetSessionResolver after Start()");
  impl_->sessions = std::move(resolver);
}

std::optional<TokenSpec> HttpServer::FindToken(std::string_view token) const {
  const TokenSpec* spec = impl_->tokens.Find(token);
  if (!spec) return std::nullopt;
  return *spec;
}

void HttpServer::SetReady(bool ready) { impl_->ready = ready; }

void HttpServer::LogQuietly(std::string method, std::string pattern) {
  if (impl_->started) {
    throw std::logic_error("HttpServer::LogQuietly(" + method + " " + pattern +
                           ") called after Start()");
  }
  impl_->quiet.emplace(std::move(method), std::move(pattern));
}

fw::Result<int> HttpServer::Start() {
  Impl& s = *impl_;
  if (s.started) return fw::Fail(fw::ErrorCode::kInternal, "HttpServer::Start called twice");
  if (auto ok = ValidateOptions(s.options); !ok) return fw::Fail(ok.error());
  auto tokens = TokenTable::Create(s.options.tokens);
  if (!tokens) return fw::Fail(tokens.error().WithContext("server tokens"));
  s.tokens = std::move(*tokens);
  s.loop = std::make_unique<HttpLoop>(
      s.MakeLoopOptions(),
      [&s](ParsedRequest& r, const std::string& remote) { return s.Serve(r, remote); },
      [&s](const RequestParser& p, const std::string& remote) {
        return s.OnParseError(p, remote);
      });
  auto port = s.loop->Start();
  if (!port) {
    s.loop.reset();
    return port;
  }
  s.started = true;
  s.port = *port;
  return port;
}

void HttpServer::Stop() {
  if (impl_->loop) impl_->loop->Stop();
}

int HttpServer::port() const { return impl_->port; }

SelfMetrics& HttpServer::metrics() { return impl_->metrics; }

LoopOptions HttpServer::Impl::MakeLoopOptions() {
  LoopOptions o;
  o.bind_address = options.bind_address;
  o.port = options.port;
  o.threads = options.threads;
  o.max_connections = options.max_connections;
  o.max_connections_per_client = options.max_connections_per_client;
  o.idle_timeout = options.idle_timeout;
  o.header_timeout = options.header_timeout;
  o.read_timeout = options.read_timeout;
  o.write_timeout = options.write_timeout;
  o.limits.max_body_bytes = options.max_body_bytes;
  o.admit = [this](const ParsedRequest& head, const std::string& remote) {
    return Admit(head, remote);
  };
  return o;
}

Response HttpServer::Impl::Serve(ParsedRequest& raw, const std::string& remote) {
  const fw::Timestamp start = clock.Now();
  const Incoming in = Describe(raw, remote);
  std::string label = "none", principal;
  Response r = Dispatch(in, raw, &label, &principal);
  if (r.status < 100 || r.status > 599) {
    log.Error("handler returned an invalid HTTP status",
              {{"handler", label}, {"status", std::to_string(r.status)}});
    r = Response::ErrorJson(500, "internal", "handler returned an invalid status");
  } else if (r.status >= 400 && r.body.empty()) {
    // Keeps the error body format uniform.
    const auto [code, message] = DescribeStatus(r.status);
    r.body = Response::ErrorJson(r.status, code, message).body;
    r.content_type = "application/json";
  }
  Record(in, label, r.status, clock.Now() - start, principal);
  return r;
}

Response HttpServer::Impl::Dispatch(const Incoming& in, ParsedRequest& raw, std::string* label,
                                    std::string* principal) {
  RouteLookup found = router.Find(in.method, in.raw_path);
  if (found.route) *label = found.route->pattern;
  std::optional<TokenSpec> session;
  std::string csrf_refusal;
  const Caller caller =
      WhoIs(raw.headers, in.method, found.route && found.route->is_public, &session, &csrf_refusal);
  if (!csrf_refusal.empty()) return Response::ErrorJson(403, "forbidden", csrf_refusal);
  if (caller.token) *principal = caller.token->name;
  if (auto refused = Gate(in, found, caller)) return *refused;
  const Route& route = *found.route;

  Request req;
  req.method = in.method;
  req.path = in.path;
  ParseQuery(raw.target, &req.query);
  req.path_params = std::move(found.params);
  for (auto& [name, value] : raw.headers) {
    if (name == "authorization") continue;
    auto [it, inserted] = req.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  req.body = std::move(raw.body);
  req.cancel = raw.cancel;
  req.remote = in.remote;
  if (caller.token) {
    req.role = caller.token->role;
    req.principal = caller.token->name;
  }
  return Invoke(route, std::move(req));
}

std::optional<Response> HttpServer::Impl::Gate(const Incoming& in, const RouteLookup& found,
                                               const Caller& caller) const {
  const std::string what = in.method + " " + in.path;

  if (!found.route) {
    // Callers who could read nothing at all do not get to map the routes.
    if (Authorize(caller, "GET", Role::kViewer, false, options.allow_anonymous_read) ==
        Verdict::kUnauthenticated) {
      return Unauthenticated(caller, what);
    }
    if (found.allowed_methods.empty()) {
      return Response::ErrorJson(404, "not_found", "no route for " + what);
    }
    const std::string allow = Join(found.allowed_methods, ", ");
    Response r = Response::ErrorJson(
        405, "method_not_allowed",
        "method " + in.method + " is not allowed for " + in.path + "; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }

  const Route& route = *found.route;
  switch (Authorize(caller, route.read_only ? "GET" : in.method, route.required, route.is_public,
                    options.allow_anonymous_read, route.area)) {
    case Verdict::kUnauthenticated:
      return Unauthenticated(caller, what);
    case Verdict::kForbidden:
      return Response::ErrorJson(403, "forbidden",
                                 "token \"" + caller.token->name + "\" has role " +
                                     std::string(RoleName(caller.token->role)) + "; " + what +
                                     " needs " + std::string(RoleName(route.required)));
    case Verdict::kOutOfScope:
      return Response::ErrorJson(403, "forbidden",
                                 "token \"" + caller.token->name + "\" has no read scope for " +
                                     what + "; it needs " + std::string(ReadScopeName(route.area)));
    case Verdict::kAllow:
      break;
  }
  return std::nullopt;
}

std::optional<Response> HttpServer::Impl::Admit(const ParsedRequest& head,
                                                const std::string& remote) {
  const Incoming in = Describe(head, remote);
  const RouteLookup found = router.Find(in.method, in.raw_path);
  std::optional<TokenSpec> session;
  std::string csrf_refusal;
  const Caller caller = WhoIs(head.headers, in.method, found.route && found.route->is_public,
                              &session, &csrf_refusal);
  std::optional<Response> refused = csrf_refusal.empty()
                                        ? Gate(in, found, caller)
                                        : Response::ErrorJson(403, "forbidden", csrf_refusal);
  // Only refusals of the caller are answered before the body: an unknown
  // route or method is answered after it as before.
  if (!refused || (refused->status != 401 && refused->status != 403)) return std::nullopt;
  Record(in, found.route ? found.route->pattern : "none", refused->status, std::nullopt,
         caller.token ? caller.token->name : "");
  return refused;
}

Caller HttpServer::Impl::WhoIs(const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view method, bool is_public,
                               std::optional<TokenSpec>* session, std::string* refusal) const {
  std::optional<std::string_view> authorization, cookie;
  std::string_view csrf;
  for (const auto& [name, value] : headers) {
    if (name == "authorization" && !authorization) authorization = value;
    if (name == "cookie" && !cookie) cookie = value;
    if (name == "x-csrf-token" && csrf.empty()) csrf = value;
  }
  if (authorization || !cookie || !sessions) return Identify(tokens, authorization);
  SessionCheck check = sessions(*cookie, csrf, method != "GET" && method != "HEAD");
  // A public route needs no credentials: a session failing its CSRF check
  // there only makes the caller anonymous.
  if (!check.refusal.empty() && is_public) return Caller{};
  *refusal = std::move(check.refusal);
  *session = std::move(check.who);
  if (!*session) return Caller{};
  return Caller{true, &**session};
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

// Requests the parser rejected or that timed out: the same JSON error body,
// counted and logged like any request (without a duration: no handler ran).
Response HttpServer::Impl::OnParseError(const RequestParser& parser, const std::string& remote) {
  const ParseError& e = parser.error();
  Incoming in{"", "", "", remote};
  std::string label = "none";
  if (parser.head_done()) {
    in = Describe(parser.request(), remote);
    const RouteLookup found = router.Find(in.method, in.raw_path);
    if (found.route) label = found.route->pattern;
  }
  const auto [code, fallback] = DescribeStatus(e.status);
  Response r = Response::ErrorJson(e.status, code, e.message.empty() ? fallback : e.message);
  Record(in, label, e.status, std::nullopt, "");
  return r;
}

HttpServer::Impl::RequestMetrics HttpServer::Impl::MetricsFor(const std::string& label, int status,
                                                              bool timed) {
  {
    std::shared_lock lock(request_metrics_mu);
    auto by_status = request_metrics.find(status);
    if (by_status != request_metrics.end()) {
      auto it = by_status->second.find(label);
      if (it != by_status->second.end() && (!timed || it->second.duration)) return it->second;
    }
  }
  RequestMetrics m;
  m.requests = &metrics.counter("firewatch_http_requests_total",
                                "HTTP requests served, by route and status code.",
                                {{"code", std::to_string(status)}, {"handler", label}});
  // Requests no handler ran (parse errors, timeouts) have no duration.
  if (timed) {
    m.duration = &metrics.histogram("firewatch_http_request_duration_seconds",
                                    "Time from routing a request to having its response, by route.",
                                    DefaultLatencyBuckets(), {{"handler", label}});
  }
  std::unique_lock lock(request_metrics_mu);
  RequestMetrics& slot = request_metrics[status][label];
  if (m.duration) slot.duration = m.duration;
  slot.requests = m.requests;
  return slot;
}

void HttpServer::Impl::Record(const Incoming& in, const std::string& label, int status,
                              std::optional<fw::Timestamp> elapsed_ms,
                              const std::string& principal) {
  // Handles are looked up once per route and status, not built per request:
  // at tens of thousands of requests a second that was allocations and two
  // exclusive locks each.
  const RequestMetrics m = MetricsFor(label, status, elapsed_ms.has_value());
  m.requests->Inc();
  if (elapsed_ms) m.duration->Observe(static_cast<double>(*elapsed_ms) / 1000.0);
  // Probes and scrapes arrive every few seconds; keep them out of info logs.
  const bool routine = status < 400 && (label == "/healthz" || label == "/metrics" ||
                                        quiet.contains({in.method, label}));
  const fw::LogLevel level = routine ? fw::LogLevel::kDebug : fw::LogLevel::kInfo;
  if (!log.Enabled(level)) return;
  fw::LogFields fields = {{"method", in.method},
                          {"path", in.path},
                          {"status", std::to_string(status)},
                          {"handler", label},
                          {"remote", in.remote}};
  if (!principal.empty()) fields.emplace_back("principal", principal);
  if (elapsed_ms) fields.emplace_back("duration_ms", std::to_string(*elapsed_ms));
  log.Log(level, "http request", fields);
}

}  // namespace fw::server
