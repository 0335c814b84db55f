#pragma once
// Web console sessions: signing in with a token (POST /ui/login) makes a
// session with a random id (the fw_session cookie: HttpOnly, SameSite=Strict,
// Secure over TLS) and a random CSRF token the console sends back as
// X-CSRF-Token on every write. The session carries the token's name, role
// and scopes, so the server enforces roles as for the bearer token itself.
//
// Sessions live in memory (a restart signs everyone out) and expire `ttl`
// after sign-in, on the Clock. At most `max_sessions`: past it the oldest
// goes. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"
#include "server/http.h"

namespace fw::web {

inline constexpr std::string_view kSessionCookie = "fw_session";

struct Session {
  std::string id, csrf;   // 32 random bytes each, base64url
  server::TokenSpec who;  // token secret cleared
  Timestamp expires = 0;
};

class SessionStore {
 public:
  // REQUIRES: clock outlives the store.
  explicit SessionStore(Clock& clock, Millis ttl = Millis(12 * 3600 * 1000),
                        size_t max_sessions = 10000);

  // A new session for `who`. Fails with kInternal when no randomness.
  Result<Session> Create(const server::TokenSpec& who);
  // The unexpired session with this id, or nullopt.
  std::optional<Session> Find(std::string_view id);
  void Remove(std::string_view id);
  size_t size();

  // server::SessionResolver: the session of the Cookie header; a write must
  // carry its CSRF token (else a refusal). Unknown or expired: anonymous.
  server::SessionCheck Check(std::string_view cookie_header, std::string_view csrf, bool write);

 private:
  Clock& clock_;
  const Millis ttl_;
  const size_t max_;
  std::mutex mu_;
  std::map<std::string, Session, std::less<>> sessions_;
};

// Failed sign-ins per peer address: past `max_failures` within `window`, the
// address may not try again until the window that started with its first
// failure ends. Bounds guessing tokens through POST /ui/login. Thread-safe.
class SignInLimiter {
 public:
  explicit SignInLimiter(Clock& clock, int max_failures = 10, Millis window = Millis(60'000));
  bool Allowed(const std::string& remote);
  void Failed(const std::string& remote);

 private:
  struct Tries {
    Timestamp since = 0;
    int failures = 0;
  };
  Clock& clock_;
  const int max_;
  const Millis window_;
  std::mutex mu_;
  std::map<std::string, Tries> tries_;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view CookieValue(std::string_view header, std::string_view name);

// 32 random bytes as base64url without padding, or an error.
Result<std::string> RandomId();

}  // namespace fw::web
