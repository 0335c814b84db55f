// RequestParser against a table of raw requests. Every case is fed whole, in
// two pieces split at every byte boundary, and one byte at a time: the
// outcome must not depend on how the bytes arrive.
#include "server/http_parser.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace fw::server {
namespace {

// Compresses s as gzip (gzip = true) or zlib-wrapped deflate.
std::string Compress(const std::string& s, bool gzip) {
  z_stream z{};
  EXPECT_EQ(
      deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, gzip ? 16 + 15 : 15, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::string out(deflateBound(&z, s.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const std::string kA1000(1000, 'a');
const std::string kGzip = Compress(kA1000, true);
const std::string kDeflate = Compress(kA1000, false);

std::string Post(const std::string& headers, const std::string& body) {
  return "POST /in HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
}

std::string WithLength(const std::string& headers, const std::string& body) {
  return Post(headers + "Content-Length: " + std::to_string(body.size()) + "\r\n", body);
}

struct Case {
  std::string name;
  std::string input;
  int status = 0;  // 0: a complete request; else the error status
  std::string method = "POST", target = "/in", body = "";
  bool keep_alive = true;
  size_t trailing = 0;  // bytes after the request, left unconsumed
};

ParserLimits TestLimits() {
  ParserLimits l;
  l.max_head_bytes = 512;
  l.max_target_bytes = 64;
  l.max_headers = 8;
  l.max_body_bytes = 1024;
  return l;
}

std::vector<Case> Cases() {
  const std::string get = "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<Case> c = {
      {"get", get, 0, "GET", "/a/b?x=1&y=%20"},
      {"http10_closes", "GET / HTTP/1.0\r\n\r\n", 0, "GET", "/", "", false},
      {"http10_keep_alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0, "GET", "/"},
      {"connection_close", "GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n", 0, "GET", "/",
       "", false},
      {"head_and_options", "HEAD /h HTTP/1.1\r\n\r\n", 0, "HEAD", "/h"},
      {"absolute_form", "GET http://example.com:80/p?q=1 HTTP/1.1\r\n\r\n", 0, "GET", "/p?q=1"},
      {"blank_header_value", Post("X-Empty:\r\nX-Pad:  v  \r\n", ""), 0},
      {"content_length", WithLength("", "hello"), 0, "POST", "/in", "hello"},
      {"content_length_repeated_same",
       Post("Content-Length: 5, 5\r\nContent-Length: 5\r\n", "hello"), 0, "POST", "/in", "hello"},
      {"no_length_no_body", Post("", ""), 0},
      {"pipelined_rest_stays", WithLength("", "hi") + get, 0, "POST", "/in", "hi", true,
       get.size()},
      {"chunked_with_extension_and_trailer",
       Post("Transfer-Encoding: chunked\r\n",
            "5\r\nhello\r\n6;name=\"v\"\r\n world\r\nA \r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n"),
       0, "POST", "/in", "hello world0123456789"},
      {"chunked_then_pipelined",
       Post("Transfer-Encoding: Chunked\r\n", "2\r\nhi\r\n0\r\n\r\n") + get, 0, "POST", "/in", "hi",
       true, get.size()},
      {"gzip", WithLength("Content-Encoding: gzip\r\n", kGzip), 0, "POST", "/in", kA1000},
      {"deflate", WithLength("Content-Encoding: deflate\r\n", kDeflate), 0, "POST", "/in", kA1000},
      {"gzip_chunked",
       Post(
           "Content-Encoding: x-gzip\r\nTransfer-Encoding: chunked\r\n",
           "10\r\n" + kGzip.substr(0, 16) + "\r\n" +
               [] {
                 char size[16];
                 std::snprintf(size, sizeof size, "%zx", kGzip.size() - 16);
                 return std::string(size);
               }() +
               "\r\n" + kGzip.substr(16) + "\r\n0\r\n\r\n"),
       0, "POST", "/in", kA1000},
      {"expect_continue", WithLength("Expect: 100-continue\r\n", "abc"), 0, "POST", "/in", "abc"},

      // Framing that two parsers could read differently: request smuggling.
      {"length_and_chunked",
       Post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400},
      {"chunked_and_length",
       Post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "0\r\n\r\n"), 400},
      {"differing_lengths", Post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), 400},
      {"differing_length_list", Post("Content-Length: 3, 4\r\n", "abcd"), 400},
      {"signed_length", Post("Content-Length: +3\r\n", "abc"), 400},
      {"hex_length", Post("Content-Length: 0x3\r\n", "abc"), 400},
      {"empty_length", Post("Content-Length:\r\n", ""), 400},
      {"huge_length", Post("Content-Length: 99999999999999999999999\r\n", ""), 400},
      {"chunked_twice", Post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), 400},
      {"gzip_transfer_coding", Post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 400},
      {"chunked_on_http10", "POST /in HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"space_before_colon", Post("Content-Length : 3\r\n", "abc"), 400},
      {"folded_header", Post("X-A: 1\r\n  2\r\n", ""), 400},
      {"bare_lf_in_head", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
      {"cr_in_header_value", Post("X-A: 1\r2\r\n", ""), 400},
      {"nul_in_header_value", Post(std::string("X-A: 1\0002\r\n", 10), ""), 400},
      {"bare_lf_chunk_line", Post("Transfer-Encoding: chunked\r\n", "3\nabc\r\n0\r\n\r\n"), 400},
      {"chunk_longer_than_size", Post("Transfer-Encoding: chunked\r\n", "3\r\nabcd\r\n0\r\n\r\n"),
       400},
      {"bad_chunk_size", Post("Transfer-Encoding: chunked\r\n", "x\r\nabc\r\n0\r\n\r\n"), 400},
      {"negative_chunk_size", Post("Transfer-Encoding: chunked\r\n", "-3\r\nabc\r\n0\r\n\r\n"),
       400},
      {"chunk_size_overflow",
       Post("Transfer-Encoding: chunked\r\n", "10000000000000003\r\nabc\r\n0\r\n\r\n"), 400},
      {"bad_trailer", Post("Transfer-Encoding: chunked\r\n", "0\r\nno colon\r\n\r\n"), 400},

      // Request lines.
      {"unknown_method", "BREW /pot HTTP/1.1\r\n\r\n", 400},
      {"lower_case_method", "get / HTTP/1.1\r\n\r\n", 400},
      {"http2", "GET / HTTP/2.0\r\n\r\n", 505},
      {"not_http", "GET / FTP/1.1\r\n\r\n", 400},
      {"two_spaces", "GET  / HTTP/1.1\r\n\r\n", 400},
      {"extra_field", "GET / HTTP/1.1 x\r\n\r\n", 400},
      {"asterisk", "OPTIONS * HTTP/1.1\r\n\r\n", 400},
      {"control_in_target", std::string("GET /a\001b HTTP/1.1\r\n\r\n"), 400},

      // Bodies.
      {"gzip_not_gzip", WithLength("Content-Encoding: gzip\r\n", "plain text"), 400},
      {"gzip_truncated", WithLength("Content-Encoding: gzip\r\n", kGzip.substr(0, 20)), 400},
      {"gzip_trailing_garbage", WithLength("Content-Encoding: gzip\r\n", kGzip + "xyz"), 400},
      // Other codings pass through for the endpoint to decode (remote write's snappy).
      {"snappy_passes_through",
       WithLength("Content-Encoding: snappy\r\n",
                  "\x03\x08"
                  "abc"),
       0, "POST", "/in",
       "\x03\x08"
       "abc"},
      {"two_content_encodings", WithLength("Content-Encoding: gzip, gzip\r\n", kGzip), 415},

      // Limits (TestLimits: head 512, target 64, 8 headers, body 1024).
      {"target_at_limit", "GET /" + std::string(63, 'a') + " HTTP/1.1\r\n\r\n", 0, "GET",
       "/" + std::string(63, 'a')},
      {"target_over_limit", "GET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", 414},
      {"request_line_never_ends", "GET /" + std::string(600, 'a'), 414},
      {"too_many_headers",
       Post(std::string("A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\n"), ""),
       431},
      {"head_too_large", Post("X-Big: " + std::string(520, 'b') + "\r\n", ""), 431},
      {"trailers_too_large",
       Post("Transfer-Encoding: chunked\r\n", "0\r\nX-Big: " + std::string(520, 'b') + "\r\n\r\n"),
       431},
      {"body_at_limit", WithLength("", std::string(1024, 'b')), 0, "POST", "/in",
       std::string(1024, 'b')},
      {"length_over_limit", WithLength("", std::string(1025, 'b')), 413},
      {"chunks_over_limit",
       Post("Transfer-Encoding: chunked\r\n", "200\r\n" + std::string(512, 'c') + "\r\n201\r\n" +
                                                  std::string(513, 'c') + "\r\n0\r\n\r\n"),
       413},
      {"gzip_decodes_over_limit",
       WithLength("Content-Encoding: gzip\r\n", Compress(std::string(1025, 'a'), true)), 413},
  };
  return c;
}

struct Outcome {
  int status = 0;
  std::string method, target, body, message;
  bool keep_alive = false;
  size_t consumed = 0;
};

// Feeds input in pieces ending at the given cut offsets, keeping unconsumed
// bytes in a buffer as the event loop does.
Outcome FeedInPieces(const std::string& input, const std::vector<size_t>& cuts) {
  RequestParser parser(TestLimits());
  std::string pending;
  Outcome out;
  size_t from = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t to = i < cuts.size() ? cuts[i] : input.size();
    pending += input.substr(from, to - from);
    from = to;
    const size_t used = parser.Feed(pending);
    out.consumed += used;
    pending.erase(0, used);
    if (parser.status() != RequestParser::Status::kNeedMore) break;
  }
  if (parser.status() == RequestParser::Status::kNeedMore) {
    out.status = -1;  // incomplete
  } else if (parser.status() == RequestParser::Status::kError) {
    out.status = parser.error().status;
    out.message = parser.error().message;
  } else {
    const ParsedRequest& r = parser.request();
    out.method = r.method;
    out.target = r.target;
    out.body = r.body;
    out.keep_alive = r.keep_alive;
  }
  return out;
}

void Expect(const Case& c, const Outcome& got, const std::string& how) {
  SCOPED_TRACE(c.name + " fed " + how);
  ASSERT_EQ(got.status, c.status) << got.message;
  if (c.status != 0) {
    EXPECT_FALSE(got.message.empty());
    return;
  }
  EXPECT_EQ(got.method, c.method);
  EXPECT_EQ(got.target, c.target);
  EXPECT_EQ(got.body, c.body);
  EXPECT_EQ(got.keep_alive, c.keep_alive);
  EXPECT_EQ(got.consumed, c.input.size() - c.trailing);
}

TEST(HttpParserTest, TableWholeSplitAndByteByByte) {
  for (const Case& c : Cases()) {
    Expect(c, FeedInPieces(c.input, {}), "whole");
    for (size_t cut = 1; cut < c.input.size(); ++cut) {
      Expect(c, FeedInPieces(c.input, {cut}), "split at " + std::to_string(cut));
      if (::testing::Test::HasFailure()) return;  // one report per case is enough
    }
    std::vector<size_t> bytes;
    for (size_t i = 1; i < c.input.size(); ++i) bytes.push_back(i);
    Expect(c, FeedInPieces(c.input, bytes), "byte by byte");
  }
}

TEST(HttpParserTest, BodyOverLimitIsRefusedBeforeItArrives) {
  RequestParser p(TestLimits());
  p.Feed("POST /in HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
  ASSERT_EQ(p.status(), RequestParser::Status::kError);
  EXPECT_EQ(p.error().status, 413);
  EXPECT_TRUE(p.head_done());  // so the server can name the route in its metrics
  EXPECT_EQ(p.request().target, "/in");
}

TEST(HttpParserTest, ExpectContinueIsAwaitedUntilTheBodyStarts) {
  RequestParser p(TestLimits());
  EXPECT_TRUE(p.idle());
  p.Feed("POST /in HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_FALSE(p.idle());
  EXPECT_TRUE(p.awaiting_continue());
  p.ContinueSent();
  EXPECT_FALSE(p.awaiting_continue());
  p.Feed("abc");
  ASSERT_EQ(p.status(), RequestParser::Status::kComplete);
  EXPECT_TRUE(p.request().expects_continue);

  RequestParser http10(TestLimits());
  http10.Feed("POST /in HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_FALSE(http10.awaiting_continue()) << "HTTP/1.0 clients do not wait for 100";
}

TEST(HttpParserTest, ResetParsesTheNextPipelinedRequest) {
  const std::string two =
      "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET /b HTTP/1.1\r\nX-Y: z\r\n\r\n";
  RequestParser p(TestLimits());
  const size_t used = p.Feed(two);
  ASSERT_EQ(p.status(), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().body, "x");
  EXPECT_EQ(p.Feed(two.substr(used)), 0u) << "nothing more until Reset";
  p.Reset();
  EXPECT_TRUE(p.idle());
  EXPECT_EQ(p.Feed(two.substr(used)), two.size() - used);
  ASSERT_EQ(p.status(), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().target, "/b");
  ASSERT_EQ(p.request().headers.size(), 1u);
  EXPECT_EQ(p.request().headers[0], (std::pair<std::string, std::string>{"x-y", "z"}));
}

TEST(HttpParserTest, ErrorsAreFinalAndCloseTheConnection) {
  RequestParser p(TestLimits());
  p.Feed("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  ASSERT_EQ(p.status(), RequestParser::Status::kError);
  EXPECT_FALSE(p.request().keep_alive);
  EXPECT_EQ(p.Feed("GET / HTTP/1.1\r\n\r\n"), 0u);
  EXPECT_EQ(p.status(), RequestParser::Status::kError);

  RequestParser slow(TestLimits());
  slow.Feed("GET / HT");
  slow.Fail(408, "too slow");
  EXPECT_EQ(slow.status(), RequestParser::Status::kError);
  EXPECT_FALSE(slow.head_done());
}

}  // namespace
}  // namespace fw::server
