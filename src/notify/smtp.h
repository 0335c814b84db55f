#pragma once
// Sends one e-mail over SMTP (RFC 5321): EHLO, STARTTLS when the settings
// ask for it (then EHLO again; a server that does not offer it is refused
// rather than talked to in clear), AUTH PLAIN when a username is set (never
// over a connection without TLS unless allow_insecure_auth), MAIL FROM,
// RCPT TO, DATA with dot-stuffing, QUIT. Passwords never appear in errors.

#include <string>

#include "common/duration.h"
#include "common/error.h"
#include "notify/contacts.h"

namespace fw::notify {

struct Email {
  std::string to, subject, text;
  std::string message_id;  // "<...@firewatch>"; replies quote it in In-Reply-To
};

// Fails with kIo on a transport problem or a 4xx answer (worth retrying),
// kInvalidArgument on a 5xx answer or a setting the server cannot honour.
Result<void> SendEmail(const SmtpSettings& smtp, const Email& mail, Millis timeout, Timestamp now);

}  // namespace fw::notify
