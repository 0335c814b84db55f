#include "server/form.h"

namespace fw::server {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string FormDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::multimap<std::string, std::string> FormParams(const Request& req) {
  auto params = req.query;
  auto ct = req.headers.find("content-type");
  if (req.method == "POST" && ct != req.headers.end() &&
      ct->second.starts_with("application/x-www-form-urlencoded")) {
    std::string_view body = req.body;
    while (!body.empty()) {
      const size_t amp = body.find('&');
      std::string_view pair = body.substr(0, amp);
      const size_t eq = pair.find('=');
      params.emplace(FormDecode(pair.substr(0, eq)),
                     eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1)));
      body = amp == std::string_view::npos ? "" : body.substr(amp + 1);
    }
  }
  return params;
}

}  // namespace fw::server
