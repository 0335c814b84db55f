#include "notify/ack_links.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "common/file_io.h"
#include "notify/http_post.h"

namespace fw::notify {
namespace {

constexpr size_t kSecretBytes = 32;

std::string Hex(std::string_view raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string B64Url(std::string_view raw) {
  std::string s = Base64(raw);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

std::optional<std::string> FromB64Url(std::string_view s) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : s) {
    int d = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (d < 0) return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  // Only the canonical spelling: the last character's unused low bits would
  // otherwise let several texts stand for one token.
  if (B64Url(out) != s) return std::nullopt;
  return out;
}

Result<std::string> LoadOrCreateSecret(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (st.st_mode & 077) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + ": the paging secret must be readable by its owner only (chmod 600)");
    }
    std::ifstream in(path);
    std::string hex;
    in >> hex;
    if (hex.size() < 32) return Fail(ErrorCode::kInvalidArgument, path + ": secret too short");
    return hex;
  }
  unsigned char raw[kSecretBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) return Fail(ErrorCode::kInternal, "no randomness");
  const std::string hex = Hex(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot create the paging secret " + path);
  Result<void> w = fileio::WriteAll(fd, hex + "\n", path);
  if (w && fileio::Fsync(fd) != 0) w = Fail(ErrorCode::kIo, "cannot fsync " + path);
  ::close(fd);
  if (!w) return Fail(w.error());
  return hex;
}

struct Parsed {
  AckClaim claim;
  std::string payload, mac;
};

std::optional<Parsed> Split(const std::string& token) {
  const size_t dot = token.find('.');
  if (dot == std::string::npos) return std::nullopt;
  auto payload = FromB64Url(std::string_view(token).substr(0, dot));
  auto mac = FromB64Url(std::string_view(token).substr(dot + 1));
  if (!payload || !mac) return std::nullopt;
  Parsed p{{}, *payload, *mac};
  std::vector<std::string> parts;
  std::stringstream in(*payload);
  for (std::string part; std::getline(in, part, '|');) parts.push_back(part);
  if (parts.size() != 4) return std::nullopt;
  p.claim.incident = parts[0];
  p.claim.person = parts[1];
  p.claim.expires = std::strtoll(parts[2].c_str(), nullptr, 10);
  p.claim.nonce = parts[3];
  return p;
}

}  // namespace

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string TwilioSignature(const std::string& auth_token, const std::string& url_and_params) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(url_and_params.data()), url_and_params.size(), out,
       &len);
  return Base64(std::string_view(reinterpret_cast<char*>(out), len));
}

Result<std::unique_ptr<AckLinks>> AckLinks::Open(const std::string& secret_file,
                                                 const std::string& used_file) {
  auto secret = LoadOrCreateSecret(secret_file);
  if (!secret) return Fail(secret.error());
  std::unique_ptr<AckLinks> links(new AckLinks(*secret, used_file));
  std::ifstream in(used_file);
  for (std::string nonce; in >> nonce;) links->used_.insert(nonce);
  return links;
}

std::string AckLinks::Make(const std::string& incident, const std::string& person,
                           Timestamp expires) {
  unsigned char raw[12];
  RAND_bytes(raw, sizeof raw);
  const std::string payload = incident + "|" + person + "|" + std::to_string(expires) + "|" +
                              Hex(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  return B64Url(payload) + "." + B64Url(HmacSha256(secret_, payload));
}

Result<AckClaim> AckLinks::Check(const std::string& token, const std::string& incident,
                                 Timestamp now) const {
  auto p = Split(token);
  if (!p) return Fail(ErrorCode::kUnauthorized, "not an acknowledgement link");
  const std::string want = HmacSha256(secret_, p->payload);
  if (want.size() != p->mac.size() || CRYPTO_memcmp(want.data(), p->mac.data(), want.size()) != 0) {
    return Fail(ErrorCode::kUnauthorized, "the link's signature does not match");
  }
  if (p->claim.incident != incident) {
    return Fail(ErrorCode::kUnauthorized, "the link is for another incident");
  }
  if (now >= p->claim.expires) return Fail(ErrorCode::kUnauthorized, "the link expired");
  std::lock_guard lock(mu_);
  if (used_.contains(p->claim.nonce)) {
    return Fail(ErrorCode::kForbidden, "the link was used already");
  }
  return p->claim;
}

Result<AckClaim> AckLinks::Redeem(const std::string& token, const std::string& incident,
                                  Timestamp now) {
  auto claim = Check(token, incident, now);
  if (!claim) return claim;
  std::lock_guard lock(mu_);
  if (!used_.insert(claim->nonce).second) {
    return Fail(ErrorCode::kForbidden, "the link was used already");
  }
  // Durable before the acknowledgement: a replay after a crash is refused too.
  const int fd = ::open(used_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  Result<void> w = fd < 0 ? Fail(ErrorCode::kIo, "cannot open " + used_file_)
                          : fileio::WriteAll(fd, claim->nonce + "\n", used_file_);
  if (w && fileio::Fsync(fd) != 0) w = Fail(ErrorCode::kIo, "cannot fsync " + used_file_);
  if (fd >= 0) ::close(fd);
  if (!w) {
    used_.erase(claim->nonce);
    return Fail(w.error());
  }
  return claim;
}

}  // namespace fw::notify
