#include "web/console.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "web/assets.h"
#include "web/status_page.h"

namespace fw::web {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

std::string Header(const Request& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? "" : it->second;
}

Response NoStore(Response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// An asset, or 304 when the client has it already.
Response ServeAsset(const Request& req, std::string_view name) {
  const Asset* a = FindAsset(name);
  if (!a) return Response::ErrorJson(404, "not_found", "no console asset " + std::string(name));
  Response r;
  r.headers.emplace_back("ETag", a->etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Vary", "Accept-Encoding");
  AddSecurityHeaders(r);
  if (Header(req, "if-none-match") == a->etag) {
    r.status = 304;
    return r;
  }
  r.content_type = a->content_type;
  if (!a->gzipped.empty() && Header(req, "accept-encoding").find("gzip") != std::string::npos) {
    r.body = a->gzipped;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.body = std::string(a->bytes);
  }
  return r;
}

// A path segment percent-encoded: only unreserved characters stay.
std::string Segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

Response Redirect(std::string to) {
  Response r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "see " + to + "\n";
  r.headers.emplace_back("Location", std::move(to));
  return r;
}

bool OverTls(const Request& req, const ConsoleOptions& o) {
  return o.secure_cookies || Header(req, "x-forwarded-proto") == "https";
}

std::string Cookie(std::string_view value, bool secure, long max_age) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (secure) c += "; Secure";
  return c;
}

json SessionJson(const Session& s) {
  return {{"signedIn", true},
          {"name", s.who.name},
          {"role", server::RoleName(s.who.role)},
          {"csrf", s.csrf}};
}

// Sign-in is a write without a session: only this site's pages may make it.
// A form of another site cannot send JSON (it would need CORS), and a
// browser's Origin names the site a request comes from.
bool FromThisSite(const Request& req) {
  if (Header(req, "content-type").rfind("application/json", 0) != 0) return false;
  const std::string origin = Header(req, "origin");
  if (origin.empty()) return true;  // not a browser's cross-site request
  const size_t scheme = origin.find("://");
  return scheme != std::string::npos && origin.substr(scheme + 3) == Header(req, "host");
}

Response Login(server::HttpServer& http, SessionStore& sessions, SignInLimiter& limiter,
               const ConsoleOptions& o, const Request& req) {
  if (!FromThisSite(req)) {
    return Response::ErrorJson(403, "forbidden",
                               "sign in from the console's own page (a JSON body, same origin)");
  }
  if (!limiter.Allowed(req.remote)) {
    return Response::ErrorJson(429, "too_many_requests",
                               "too many failed sign-ins from this address; wait a minute");
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string() ||
      body["token"].get<std::string>().empty()) {
    return Response::ErrorJson(400, "invalid_argument",
                               "body must be a JSON object with a non-empty \"token\"");
  }
  std::optional<server::TokenSpec> who = http.FindToken(body["token"].get<std::string>());
  if (!who) {
    limiter.Failed(req.remote);
    return Response::ErrorJson(401, "unauthorized", "that token is not valid here");
  }
  auto s = sessions.Create(*who);
  if (!s) return Response::FromError(s.error());
  Response r =
      NoStore(Response::Json(200, json({{"status", "success"}, {"data", SessionJson(*s)}})
                                      .dump(-1, ' ', false, json::error_handler_t::replace)));
  r.headers.emplace_back("Set-Cookie", Cookie(s->id, OverTls(req, o), 12 * 3600));
  return r;
}

Response Logout(SessionStore& sessions, const ConsoleOptions& o, const Request& req) {
  const std::string id(CookieValue(Header(req, "cookie"), kSessionCookie));
  auto s = sessions.Find(id);
  // Only the session's own page may end it (the server made the caller
  // anonymous if the CSRF token was wrong).
  if (s && req.principal == s->who.name) sessions.Remove(id);
  Response r = NoStore(Response::Json(200, R"({"status":"success"})"));
  r.headers.emplace_back("Set-Cookie", Cookie("", OverTls(req, o), 0));
  return r;
}

Response WhoAmI(SessionStore& sessions, const Request& req) {
  auto s = sessions.Find(CookieValue(Header(req, "cookie"), kSessionCookie));
  json data = s ? SessionJson(*s) : json{{"signedIn", false}};
  return NoStore(Response::Json(200, json({{"status", "success"}, {"data", data}}).dump()));
}

void RegisterPages(server::HttpServer& http) {
  auto shell = [](const Request& req) { return ServeAsset(req, "index.html"); };
  for (const char* p : {"/ui", "/ui/:page", "/ui/:page/:id"}) http.HandlePublic("GET", p, shell);
  http.HandlePublic("GET", "/", [](const Request&) { return Redirect("/ui/incidents"); });
  for (const char* p : {"/incidents", "/alerts", "/explore", "/oncall"}) {
    http.HandlePublic("GET", p, [p](const Request&) { return Redirect(std::string("/ui") + p); });
  }
  http.HandlePublic("GET", "/incidents/:id", [](const Request& req) {
    return Redirect("/ui/incidents/" + Segment(req.path_params.at("id")));
  });
  http.HandlePublic("GET", "/status",
                    [](const Request& req) { return ServeAsset(req, "status.html"); });
  http.HandlePublic("GET", "/ui/assets/:file",
                    [](const Request& req) { return ServeAsset(req, req.path_params.at("file")); });
}

}  // namespace

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
}

std::shared_ptr<SessionStore> RegisterWebConsole(server::HttpServer& http,
                                                 const incident::IncidentService& incidents,
                                                 Clock& clock, ConsoleOptions o) {
  auto sessions = std::make_shared<SessionStore>(clock);
  http.SetSessionResolver([sessions](std::string_view cookie, std::string_view csrf, bool write) {
    return sessions->Check(cookie, csrf, write);
  });
  RegisterPages(http);
  auto limiter = std::make_shared<SignInLimiter>(clock);
  http.HandlePublic("POST", "/ui/login", [&http, sessions, limiter, o](const Request& req) {
    return Login(http, *sessions, *limiter, o, req);
  });
  http.HandlePublic("POST", "/ui/logout",
                    [sessions, o](const Request& req) { return Logout(*sessions, o, req); });
  http.HandlePublic("GET", "/ui/session",
                    [sessions](const Request& req) { return WhoAmI(*sessions, req); });
  auto status = [&incidents, &clock, components = o.status_components](const Request&) {
    auto body = StatusPageJson(incidents, clock.Now(), components);
    if (!body) return Response::ErrorJson(503, "io", "the status page is unavailable; retry");
    return Response::Json(200, std::move(*body));
  };
  if (o.public_status) {
    http.HandlePublic("GET", "/api/v1/status/page", status);
  } else {
    http.Handle("GET", "/api/v1/status/page", server::Role::kViewer, status);
  }
  return sessions;
}

}  // namespace fw::web
