// Fuzz target for the HTTP request parser (src/server/http_parser.h). The
// input is what one client sends on one connection, after a first byte that
// picks the size of the reads it arrives in. The stream is parsed twice,
// whole and in those reads, request after request as the server does; both
// must give the same requests and both end in an error or neither, every error must
// carry a 4xx/5xx status and a message, and no body may pass the limit.
// Deterministic mutations of the seeds run in every `make test`
// (tests/server/http_parser_fuzz_test.cpp); this target is for AFL++:
//
//   make fuzz   # configures build-fuzz with FW_FUZZ=ON
//   cmake --build build-fuzz --target http_parser_fuzz
//   afl-fuzz -i tests/fuzz/corpus/http_parser -o build-fuzz/http-findings
//            -- build-fuzz/tests/fuzz/http_parser_fuzz @@

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "server/http_parser.h"

namespace {

fw::server::ParserLimits FuzzLimits() {
  fw::server::ParserLimits l;
  l.max_head_bytes = 2048;
  l.max_target_bytes = 256;
  l.max_headers = 16;
  l.max_body_bytes = 4096;
  return l;
}

// One line per request, then the error status if the stream ended in one.
std::string Parse(std::string_view stream, size_t read_size) {
  fw::server::RequestParser parser(FuzzLimits());
  std::string buffered, out;
  for (size_t at = 0; at < stream.size() || !buffered.empty();) {
    const size_t n = std::min(read_size, stream.size() - at);
    buffered.append(stream.substr(at, n));
    at += n;
    const size_t used = parser.Feed(buffered);
    if (used > buffered.size()) FW_FUZZ_CHECK(false);
    buffered.erase(0, used);
    using Status = fw::server::RequestParser::Status;
    if (parser.status() == Status::kError) {
      const fw::server::ParseError& e = parser.error();
      if (e.status < 400 || e.status > 599 || e.message.empty()) FW_FUZZ_CHECK(false);
      // Which error a request with several is refused for may depend on the
      // reads (a long target with a bare CR: 414 in small reads, 400 whole).
      return out + "error";
    }
    if (parser.status() == Status::kComplete) {
      const fw::server::ParsedRequest& r = parser.request();
      if (r.body.size() > FuzzLimits().max_body_bytes || !r.target.starts_with('/')) {
        FW_FUZZ_CHECK(false);
      }
      out += r.method + " " + r.target + " " + std::to_string(r.body.size()) + " " +
             std::to_string(std::hash<std::string>()(r.body)) + (r.keep_alive ? " ka\n" : "\n");
      parser.Reset();
      continue;
    }
    if (used == 0 && n == 0) break;  // incomplete: wait for bytes that never come
  }
  return out;
}

}  // namespace

FW_FUZZ_TARGET(http_parser) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t read_size = 1 + data[0] % 32;
  // The same requests whole and in reads. Whether the stream then ends in an
  // error may differ when it stops mid-request: small reads can refuse a
  // partial request line (414) that the whole stream, whose head never
  // ends, is still waiting on.
  std::string whole = Parse(stream, stream.size() + 1), split = Parse(stream, read_size);
  for (std::string* s : {&whole, &split}) {
    if (s->ends_with("error")) s->resize(s->size() - 5);
  }
  FW_FUZZ_CHECK(whole == split);
  return 0;
}
