#include "server/http_response.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace fw::server {

namespace {

// Reason phrases are informative only (RFC 9112 4): clients read the code.
std::string_view ReasonPhrase(int status) {
  static constexpr std::pair<int, std::string_view> kPhrases[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {304, "Not Modified"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {413, "Payload Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Entity"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {505, "HTTP Version Not Supported"},
  };
  for (const auto& [code, phrase] : kPhrases) {
    if (code == status) return phrase;
  }
  return status < 400 ? "OK" : "Error";
}

bool IsFramingHeader(std::string_view name) {
  auto eq = [name](std::string_view other) {
    return name.size() == other.size() &&
           std::equal(name.begin(), name.end(), other.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return eq("content-length") || eq("transfer-encoding") || eq("connection") || eq("content-type");
}

}  // namespace

std::string SerializeResponse(const Response& r, bool head_only, bool close,
                              bool http10_keep_alive) {
  // RFC 9110 8.6: no Content-Length, and no body, on 1xx, 204 and 304.
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  std::string out;
  out.reserve(160 + (head_only || bodiless ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += ReasonPhrase(r.status);
  out += "\r\n";
  if (!r.content_type.empty() && !bodiless) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  if (!bodiless) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  for (const auto& [name, value] : r.headers) {
    // Framing is ours; a CR or LF from a handler would split the response.
    if (IsFramingHeader(name) || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (close) {
    out += "Connection: close\r\n";
  } else if (http10_keep_alive) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!head_only && !bodiless) out += r.body;
  return out;
}

}  // namespace fw::server
