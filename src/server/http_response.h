#pragma once
// The wire form of a Response, written by HttpLoop. Framing headers are the
// server's own: a handler's Content-Length, Transfer-Encoding, Connection or
// Content-Type header is dropped (Content-Type comes from
// Response::content_type), and so is any header holding CR or LF, which
// could otherwise split the response in two.

#include <string>

#include "server/http.h"

namespace fw::server {

// Status line, Content-Type, Content-Length, the handler's headers, then the
// body unless head_only (a HEAD request: the length is still the body's).
// 1xx, 204 and 304 carry neither length nor body. close adds
// "Connection: close"; http10_keep_alive adds "Connection: keep-alive".
std::string SerializeResponse(const Response& r, bool head_only, bool close,
                              bool http10_keep_alive);

}  // namespace fw::server
