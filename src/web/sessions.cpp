#include "web/sessions.h"

#include <openssl/rand.h>

#include <algorithm>

namespace fw::web {
namespace {

// Compares without an early exit, so the time taken says nothing of where
// the bytes differ.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

}  // namespace

Result<std::string> RandomId() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return Fail(ErrorCode::kInternal, "no randomness for a session id");
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0, acc = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view v = pair.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

SessionStore::SessionStore(Clock& clock, Millis ttl, size_t max_sessions)
    : clock_(clock), ttl_(ttl), max_(std::max<size_t>(1, max_sessions)) {}

Result<Session> SessionStore::Create(const server::TokenSpec& who) {
  auto id = RandomId();
  if (!id) return Fail(id.error());
  auto csrf = RandomId();
  if (!csrf) return Fail(csrf.error());
  Session s{*id, *csrf, who, clock_.Now() + ttl_.count()};
  s.who.token.clear();
  std::lock_guard lock(mu_);
  const Timestamp now = clock_.Now();
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  while (sessions_.size() >= max_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.expires < b.second.expires;
    });
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, s);
  return s;
}

std::optional<Session> SessionStore::Find(std::string_view id) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= clock_.Now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) sessions_.erase(it);
}

size_t SessionStore::size() {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

SignInLimiter::SignInLimiter(Clock& clock, int max_failures, Millis window)
    : clock_(clock), max_(max_failures), window_(window) {}

bool SignInLimiter::Allowed(const std::string& remote) {
  std::lock_guard lock(mu_);
  auto it = tries_.find(remote);
  if (it == tries_.end()) return true;
  if (clock_.Now() - it->second.since >= window_.count()) {
    tries_.erase(it);
    return true;
  }
  return it->second.failures < max_;
}

void SignInLimiter::Failed(const std::string& remote) {
  std::lock_guard lock(mu_);
  const Timestamp now = clock_.Now();
  if (tries_.size() > 100'000) {
    std::erase_if(tries_, [&](const auto& kv) { return now - kv.second.since >= window_.count(); });
  }
  Tries& t = tries_[remote];
  if (t.failures == 0 || now - t.since >= window_.count()) t = {now, 0};
  ++t.failures;
}

server::SessionCheck SessionStore::Check(std::string_view cookie_header, std::string_view csrf,
                                         bool write) {
  std::optional<Session> s = Find(CookieValue(cookie_header, kSessionCookie));
  if (!s) return {};
  if (write && (csrf.empty() || !SameSecret(csrf, s->csrf))) {
    return {std::nullopt,
            "a write from a web console session needs its X-CSRF-Token header; reload the page"};
  }
  return {std::move(s->who), ""};
}

}  // namespace fw::web
