#pragma once
// Request parameters as HTML forms and form-posting clients (Grafana, Twilio)
// send them: the URL's query plus, for a POST with Content-Type
// application/x-www-form-urlencoded, the body's pairs ('+' is a space).

#include <map>
#include <string>
#include <string_view>

#include "server/http.h"

namespace fw::server {

std::string FormDecode(std::string_view s);
std::multimap<std::string, std::string> FormParams(const Request& req);

}  // namespace fw::server
