#pragma once
// The web console (docs/web.md): registers on the HTTP server
//  - the console's pages, one HTML shell that routes in the browser:
//    GET /, /ui, /ui/:page, /ui/:page/:id (and /incidents, /incidents/:id,
//    /alerts, /explore, /status as short forms);
//  - its compiled-in assets, GET /ui/assets/:file (ETag, gzip);
//  - sign-in: POST /ui/login {"token"} sets the session cookie, POST
//    /ui/logout ends it, GET /ui/session says who is signed in and gives the
//    CSRF token; the server then accepts the cookie like the token itself;
//  - the status page's data, GET /api/v1/status/page.
// Every page and asset is public (they hold no data); the data comes from
// the existing JSON APIs, whose roles the server enforces for sessions too.
// Pages carry a strict Content-Security-Policy (no inline script or style).

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "incident/service.h"
#include "server/http.h"
#include "web/sessions.h"

namespace fw::web {

struct ConsoleOptions {
  // The status page and its data are readable without a token even when
  // reads need one (server.public_status). Off: they need viewer, as the API.
  bool public_status = false;
  // Always mark the cookie Secure (behind a TLS proxy that does not send
  // X-Forwarded-Proto: https; with it, the cookie is Secure anyway).
  bool secure_cookies = false;
  // The status page's components, listed even when no incident touched them
  // (server.status_components); services of incidents are added.
  std::vector<std::string> status_components;
};

// REQUIRES: http not started; http, incidents and clock outlive the server's
// handlers. Installs the session resolver. Returns the session store.
std::shared_ptr<SessionStore> RegisterWebConsole(server::HttpServer& http,
                                                 const incident::IncidentService& incidents,
                                                 Clock& clock, ConsoleOptions options = {});

// The headers every console page and asset carries (CSP, nosniff, ...).
void AddSecurityHeaders(server::Response& r);

}  // namespace fw::web
