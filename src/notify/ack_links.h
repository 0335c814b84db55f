#pragma once
// Signed acknowledgement links for pages. A token names one incident, one
// person and an expiry, plus a random nonce, and carries an HMAC-SHA256 of
// all of it under the server's secret:
//
//   base64url("INC-7|alice|1767225600000|9f2c...") "." base64url(hmac)
//
// Verify() refuses a token whose MAC does not match (forged or altered), that
// expired, that names another incident than the one it is used for, or whose
// nonce was used before: a used link is refused the second time, across
// restarts (used nonces are appended, fsynced, to `used_file`). The secret comes from
// `secret_file`; when the file does not exist, 32 random bytes are generated and written with mode
// 0600; an existing file that others may read is refused. Thread-safe.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/error.h"

namespace fw::notify {

struct AckClaim {
  std::string incident, person, nonce;
  Timestamp expires = 0;
};

class AckLinks {
 public:
  static Result<std::unique_ptr<AckLinks>> Open(const std::string& secret_file,
                                                const std::string& used_file);

  std::string Make(const std::string& incident, const std::string& person, Timestamp expires);
  // The claim of a valid, unused token for `incident`; it is then used.
  // kUnauthorized for a forged or expired token or one for another incident,
  // kForbidden for one used before.
  Result<AckClaim> Redeem(const std::string& token, const std::string& incident, Timestamp now);
  // The same checks without using the token (the confirmation page).
  Result<AckClaim> Check(const std::string& token, const std::string& incident,
                         Timestamp now) const;

 private:
  AckLinks(std::string secret, std::string used_file)
      : secret_(std::move(secret)), used_file_(std::move(used_file)) {}

  const std::string secret_;
  const std::string used_file_;
  mutable std::mutex mu_;
  std::set<std::string> used_;  // nonces
};

// HMAC-SHA256 of `data` under `key`, raw bytes.
std::string HmacSha256(const std::string& key, const std::string& data);
// HMAC-SHA1, base64: the X-Twilio-Signature of an inbound webhook.
std::string TwilioSignature(const std::string& auth_token, const std::string& url_and_params);

}  // namespace fw::notify
