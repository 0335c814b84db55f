#include "server/auth.h"

#include <cctype>
#include <set>

namespace fw::server {

fw::Result<TokenTable> TokenTable::Create(std::vector<TokenSpec> specs) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < specs.size(); ++i) {
    const TokenSpec& s = specs[i];
    const std::string who = s.name.empty() ? "#" + std::to_string(i + 1) : "\"" + s.name + "\"";
    if (s.token.empty()) {
      return fw::Fail(fw::ErrorCode::kInvalidArgument,
                      "token " + who + " is empty; give it a long random secret");
    }
    if (!seen.insert(s.token).second) {
      return fw::Fail(fw::ErrorCode::kInvalidArgument,
                      "token " + who + " repeats an earlier token; each token must be unique");
    }
  }
  TokenTable t;
  t.specs_ = std::move(specs);
  return t;
}

bool ConstantTimeEquals(std::string_view presented, std::string_view secret) {
  if (secret.empty()) return false;
  // Runs over the presented bytes, whose length the caller already knows; the
  // secret's length only shows through the final comparison.
  unsigned char diff = presented.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i] ^ secret[i % secret.size()]);
  }
  return diff == 0;
}

const TokenSpec* TokenTable::Find(std::string_view token) const {
  const TokenSpec* found = nullptr;
  for (const TokenSpec& s : specs_) {
    // No break: the time taken must not say which token matched.
    if (ConstantTimeEquals(token, s.token)) found = &s;
  }
  return found;
}

Caller Identify(const TokenTable& tokens, std::optional<std::string_view> authorization) {
  Caller c;
  if (!authorization) return c;
  c.sent_credentials = true;
  std::string_view v = *authorization;
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size()) return c;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return c;
  }
  v.remove_prefix(kScheme.size());
  if (v.front() != ' ') return c;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!v.empty()) c.token = tokens.Find(v);
  return c;
}

bool MayRead(unsigned scopes, Area area) {
  if (area == Area::kOther) return (scopes & kAllReadScopes) == kAllReadScopes;
  return (scopes & ScopeBit(area)) != 0;
}

Verdict Authorize(const Caller& caller, std::string_view method, Role required, bool is_public,
                  bool allow_anonymous_read, Area area) {
  if (is_public) return Verdict::kAllow;
  if (caller.sent_credentials && !caller.token) return Verdict::kUnauthenticated;
  if (!caller.token) {
    const bool read = method == "GET" || method == "HEAD";
    return read && required == Role::kViewer && allow_anonymous_read ? Verdict::kAllow
                                                                     : Verdict::kUnauthenticated;
  }
  if (caller.token->role < required) return Verdict::kForbidden;
  if (required == Role::kViewer && !MayRead(caller.token->read_scopes, area)) {
    return Verdict::kOutOfScope;
  }
  return Verdict::kAllow;
}

}  // namespace fw::server
