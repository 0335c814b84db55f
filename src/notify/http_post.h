#pragma once
// One HTTP/1.1 POST over a Connection (http:// or https://, TLS verified),
// for the page transports: Slack, Teams, webhooks, ntfy, Twilio-shaped SMS
// and voice providers. Connection: close; the answer's body is read up to
// 64 KiB (enough for any provider's JSON). Blocking.

#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/error.h"

namespace fw::notify {

struct HttpPost {
  std::string url;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Authorization
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// kInvalidArgument for a URL that is not http(s)://host[:port]/path, kIo when
// the server cannot be reached or answers something that is not HTTP.
Result<HttpAnswer> Post(const HttpPost& request, Millis timeout);

// "user:password" as an HTTP Basic Authorization value ("Basic ...").
std::string BasicAuth(const std::string& user, const std::string& password);
std::string Base64(std::string_view data);
// application/x-www-form-urlencoded, as Twilio takes its parameters.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace fw::notify
