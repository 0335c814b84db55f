#pragma once
// The HTTP server every stage registers its API on. It owns routing, bearer
// token auth with roles, limits, JSON error bodies and the server's own
// metrics; handlers see a plain Request and return a Response, and never
// touch the HTTP library (kept out of this header: it is slow to compile).
//
//   HttpServer server(options, clock);
//   server.Handle("GET", "/api/v1/instances/:id", Role::kViewer, handler);
//   fw::Result<int> port = server.Start();
//
// Built-in routes: GET /healthz and GET /readyz (always public) and GET
// /metrics (SelfMetrics).
// Every error response, including the parser's own 400/413/414/431, has the body
// {"status":"error","error":{"code":"not_found","message":"..."}}.
// See docs/server.md for the user-facing description.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "server/self_metrics.h"

namespace fw {
class Logger;
}

namespace fw::server {

// Ordered: a role can do everything the roles below it can.
enum class Role { kViewer = 0, kResponder = 1, kAdmin = 2 };

// "viewer", "responder", "admin" (exactly; as written in config files).
fw::Result<Role> ParseRole(std::string_view s);
std::string_view RoleName(Role r);

// What a read is about. A token may be limited to the reads of some areas
// (scopes "read:metrics", ...); a route's area follows from its path
// (AreaOfPattern). Writes are governed by the role alone.
enum class Area : unsigned {
  kMetrics = 0,    // Prometheus API, /metrics, stats, remote write
  kAlerts = 1,     // rules, alerts, silences, time intervals, on-call, escalation
  kLogs = 2,       // Logs Insights queries, log push
  kIncidents = 3,  // incidents, timelines, changes, runbooks, the responder
  kReports = 4,    // post-incident reports
  kOther = 5,      // anything else: only a token with every read scope
};
constexpr unsigned kAllReadScopes = (1u << 5) - 1;  // a bit per area but kOther
constexpr unsigned ScopeBit(Area a) {
  return a == Area::kOther ? 0 : 1u << static_cast<unsigned>(a);
}
// "read:metrics", "read:alerts", "read:logs", "read:incidents", "read:reports".
fw::Result<Area> ParseReadScope(std::string_view s);
std::string_view ReadScopeName(Area a);
// The area of a route pattern: "/api/v1/logs/queries" -> kLogs.
Area AreaOfPattern(std::string_view pattern);

struct Request {
  std::string method, path;                        // path: decoded, without query string
  std::multimap<std::string, std::string> query;   // decoded query params
  std::map<std::string, std::string> path_params;  // from patterns like /api/v1/instances/:id
  // Lower-cased names; repeats joined by ", ". Authorization is removed so
  // that a handler logging headers cannot leak a token: see role, principal.
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<Role> role;  // authenticated role; empty for anonymous reads
  std::string principal;     // TokenSpec::name of the caller; empty when anonymous
  std::string remote;        // the peer's IP address, as the socket saw it
  // Requested when the client goes away or the server stops before the
  // answer: long handlers (queries) check it and give up.
  std::stop_token cancel;

  // Value of the first query parameter `name`, or `fallback` when absent.
  std::string Param(std::string_view name, std::string_view fallback = "") const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // Status from HttpStatusFor(e.code()), code from ErrorCodeName, message from
  // e.ToString(). A 401 also carries `WWW-Authenticate: Bearer`.
  static Response FromError(const fw::Error& e);
  // The standard error body with any status and machine-readable code.
  static Response ErrorJson(int status, std::string_view code, std::string_view message);
};

// kInvalidArgument 400, kUnauthorized 401, kForbidden 403, kNotFound 404,
// kTooLarge 413, kInternal 500, kIo 503 (a dependency failed; retry later),
// kTimeout 503 (a time limit ran out).
int HttpStatusFor(fw::ErrorCode code);
// "invalid_argument", "not_found", "io", "unauthorized", "forbidden",
// "too_large", "timeout", "internal".
std::string_view ErrorCodeName(fw::ErrorCode code);

// May run on any server thread, concurrently with itself. An exception
// escaping a handler becomes a 500 (logged, details not sent to the client).
using Handler = std::function<Response(const Request&)>;

struct TokenSpec {
  std::string token;  // the bearer secret; must be non-empty and unique
  Role role;
  std::string name;  // who holds it; appears in logs, never the token itself
  // The areas whose reads (routes needing kViewer) it may make: ScopeBit()s.
  // Every area by default; routes of Area::kOther need all of them.
  unsigned read_scopes = kAllReadScopes;
};

// A second credential besides bearer tokens, for the web console (src/web):
// a session cookie. Asked only for requests without an Authorization header
// that carry a Cookie header. `write`: the method is not GET/HEAD.
struct SessionCheck {
  std::optional<TokenSpec> who;  // the session's holder; empty: no session (anonymous)
  std::string refusal;           // non-empty: answer 403 with it (a write without CSRF token)
};
using SessionResolver =
    std::function<SessionCheck(std::string_view cookie, std::string_view csrf_token, bool write)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";  // secure by default
  int port = 0;                            // 0 = pick a free port (tests)
  size_t max_body_bytes = 1 << 20;         // after chunked/gzip decoding; over it: 413
  std::vector<TokenSpec> tokens;
  // GET/HEAD routes needing only kViewer work without a token. Off: every
  // route but the public ones (/healthz, /readyz, HandlePublic) needs one.
  bool allow_anonymous_read = true;
  // Handlers running at once. Connections do not hold threads (one I/O
  // thread serves them all), but a handler waiting on disk holds one: durable
  // intake waits for a shared fdatasync, so more threads make larger group
  // commits (32: 16,800 events/s at 32 connections where 16 gave 11,900).
  int threads = 32;
  // Open at once. At the limit a new connection evicts an idle or
  // still-arriving one (of the client with the most); when all are busy, new
  // ones wait in the backlog.
  size_t max_connections = 1024;
  // Open at once from one peer IP address, loopback included; past it, 429.
  size_t max_connections_per_client = 256;
  // Keep-alive: a connection with no request in progress is closed after
  // idle_timeout. header_timeout bounds a request from its first byte to the
  // end of its headers, read_timeout to its last byte (slow senders get
  // 408); write_timeout, a response write that makes no progress. All are
  // socket timeouts on the steady clock, not fw::Clock.
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds read_timeout{10000}, write_timeout{10000};
};

class HttpServer {
 public:
  // REQUIRES: clock (and logger, if given) outlive the server. Without a
  // logger, errors go to stderr and requests are not logged.
  HttpServer(ServerOptions options, fw::Clock& clock, fw::Logger* logger = nullptr);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers a route. pattern: an exact path ("/api/v1/rules") or one with
  // ":name" segments, each matching one non-empty path segment
  // ("/api/v1/instances/:id"). When several patterns match, the one with a
  // literal segment earliest wins. Registering the same method and pattern
  // shape again replaces the route (an overridden /healthz then follows the
  // normal auth rules). HEAD is served by GET routes.
  // required: the minimum role. Non-GET routes always need a token, unless
  // registered with HandleReadOnly.
  // REQUIRES: Start() not called yet (else throws std::logic_error).
  // Throws std::invalid_argument on a malformed pattern or method.
  void Handle(std::string method, std::string pattern, Role required, Handler handler);
  // A route that only reads, whatever its method (Prometheus clients POST
  // queries as forms): anonymous callers may use it like a GET route.
  void HandleReadOnly(std::string method, std::string pattern, Handler handler);
  // A route anyone may use, with or without a token, even when anonymous
  // reads are off (the status page). It must reveal nothing internal.
  // REQUIRES: Start() not called yet (else throws std::logic_error).
  void HandlePublic(std::string method, std::string pattern, Handler handler);
  // Installs the session resolver (at most one). REQUIRES: Start() not called yet.
  void SetSessionResolver(SessionResolver resolver);
  // The configured token whose secret equals `token` (compared in constant
  // time), or nullopt: sign-in checks a token with it. REQUIRES: Start() done.
  std::optional<TokenSpec> FindToken(std::string_view token) const;
  // GET /readyz answers 200 when ready, else 503 (public, like /healthz).
  // Ready from construction; a caller with a start-up phase clears it first.
  void SetReady(bool ready);
  // Successful requests to this route (same method and pattern as
  // registered) are logged at debug, not info: high-rate machine traffic
  // such as alert intake, remote write and log push, which would flood the
  // log (and cost a write per request). Errors are logged at info as ever.
  // REQUIRES: Start() not called yet (else throws std::logic_error).
  void LogQuietly(std::string method, std::string pattern);

  // Validates the options, binds and serves on background threads. Returns
  // the bound port. Fails with kIo naming the address when binding fails,
  // with kInvalidArgument on bad options (empty or duplicate tokens, ...).
  // A second call fails with kInternal; a stopped server cannot restart.
  fw::Result<int> Start();
  // Stops accepting, finishes in-flight requests, joins threads. Idempotent.
  void Stop();
  int port() const;  // the bound port; 0 before Start()

  SelfMetrics& metrics();  // the registry served at /metrics

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::server
