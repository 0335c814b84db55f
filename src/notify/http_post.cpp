#include "notify/http_post.h"

#include <cstdlib>

#include "notify/connection.h"

namespace fw::notify {
namespace {

constexpr size_t kMaxAnswer = 64 * 1024;

struct Url {
  bool https = false;
  std::string host;
  int port = 80;
  std::string target = "/";
};

Result<Url> ParseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.starts_with("https://")) {
    u.https = true;
    u.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return Fail(ErrorCode::kInvalidArgument, "not an http(s) URL: " + url);
  }
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.target = rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    u.port = std::atoi(authority.c_str() + colon + 1);
    authority.resize(colon);
  }
  if (authority.starts_with("[") && authority.ends_with("]")) {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty() || u.port <= 0 || u.port > 65535 ||
      authority.find_first_of(" \r\n@") != std::string::npos ||
      u.target.find_first_of(" \r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "malformed URL: " + url);
  }
  u.host = authority;
  return u;
}

// host[:port], the port only when not the scheme's default; IPv6 in brackets.
std::string HostHeader(const Url& u) {
  const std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  return u.port == (u.https ? 443 : 80) ? host : host + ":" + std::to_string(u.port);
}

// Reads the rest of an answer after its status line: headers, then a body
// by Content-Length, chunks, or up to the close.
Result<std::string> ReadBody(Connection& c) {
  size_t length = std::string::npos;
  bool chunked = false;
  for (;;) {
    auto line = c.ReadLine();
    if (!line) return Fail(line.error());
    if (line->empty()) break;
    std::string lower;
    for (char ch : *line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.starts_with("content-length:"))
      length = std::strtoull(lower.c_str() + 15, nullptr, 10);
    if (lower.starts_with("transfer-encoding:") && lower.find("chunked") != std::string::npos) {
      chunked = true;
    }
  }
  if (chunked) {
    std::string body;
    for (;;) {
      auto size_line = c.ReadLine();
      if (!size_line) return Fail(size_line.error());
      const size_t n = std::strtoull(size_line->c_str(), nullptr, 16);
      if (n == 0 || body.size() + n > kMaxAnswer) return body;
      auto chunk = c.Read(n + 2);  // with its CRLF
      if (!chunk) return Fail(chunk.error());
      body += chunk->substr(0, n);
    }
  }
  if (length != std::string::npos) return c.Read(std::min(length, kMaxAnswer));
  return c.ReadAll(kMaxAnswer);
}

}  // namespace

std::string Base64(std::string_view data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                       static_cast<unsigned char>(data[i + 1]) << 8 |
                       static_cast<unsigned char>(data[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string BasicAuth(const std::string& user, const std::string& password) {
  return "Basic " + Base64(user + ":" + password);
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  auto escape = [](const std::string& s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + escape(k) + "=" + escape(v);
  return out;
}

Result<HttpAnswer> Post(const HttpPost& request, Millis timeout) {
  auto url = ParseUrl(request.url);
  if (!url) return Fail(url.error());
  auto conn = Connection::Open(url->host, url->port, timeout);
  if (!conn) return Fail(conn.error());
  if (url->https) {
    if (auto tls = (*conn)->StartTls(url->host); !tls) return Fail(tls.error());
  }
  std::string head =
      "POST " + url->target + " HTTP/1.1\r\nHost: " + HostHeader(*url) +
      "\r\nUser-Agent: firewatch\r\nConnection: close\r\nContent-Type: " + request.content_type +
      "\r\nContent-Length: " + std::to_string(request.body.size()) + "\r\n";
  for (const auto& [k, v] : request.headers) head += k + ": " + v + "\r\n";
  if (auto w = (*conn)->Write(head + "\r\n" + request.body); !w) return Fail(w.error());
  auto status_line = (*conn)->ReadLine();
  if (!status_line) return Fail(status_line.error());
  HttpAnswer answer;
  if (!status_line->starts_with("HTTP/1.") || status_line->size() < 12) {
    return Fail(ErrorCode::kIo, url->host + " did not answer in HTTP");
  }
  answer.status = std::atoi(status_line->c_str() + 9);
  auto body = ReadBody(**conn);
  if (!body) return Fail(body.error());
  answer.body = std::move(*body);
  return answer;
}

}  // namespace fw::notify
