#pragma once
// Internal to src/server: bearer-token authentication and the role check.
//
// Policy (docs/server.md):
//  - a request that sends credentials must send valid ones: an unknown token
//    or a non-Bearer Authorization header is 401 on every route except the
//    public ones (/healthz), even where anonymous reads are allowed;
//  - without credentials, only GET/HEAD on routes needing kViewer are served,
//    and only when allow_anonymous_read is set; anything else is 401;
//  - a valid token whose role is below the route's is 403;
//  - a valid token reading (a route needing only kViewer) outside its read
//    scopes is 403 (writes are governed by the role alone).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/http.h"

namespace fw::server {

class TokenTable {
 public:
  // Fails with kInvalidArgument on an empty or repeated token.
  static fw::Result<TokenTable> Create(std::vector<TokenSpec> specs);
  TokenTable() = default;

  // The spec whose token equals `token`, or null. Every configured token is
  // compared, each in time independent of where the bytes differ.
  const TokenSpec* Find(std::string_view token) const;

 private:
  std::vector<TokenSpec> specs_;
};

// Compares a presented secret with a configured one without an early exit.
bool ConstantTimeEquals(std::string_view presented, std::string_view secret);

struct Caller {
  bool sent_credentials = false;     // an Authorization header was present
  const TokenSpec* token = nullptr;  // non-null when the credentials are valid
};

// authorization: the Authorization header's value, if any. The scheme
// "Bearer" is case-insensitive (RFC 7235).
Caller Identify(const TokenTable& tokens, std::optional<std::string_view> authorization);

enum class Verdict { kAllow, kUnauthenticated, kForbidden, kOutOfScope };

// area: what the route reads (Area::kOther needs every read scope).
Verdict Authorize(const Caller& caller, std::string_view method, Role required, bool is_public,
                  bool allow_anonymous_read, Area area = Area::kOther);

// True when `scopes` (ScopeBit()s) allow reading `area`.
bool MayRead(unsigned scopes, Area area);

}  // namespace fw::server
