#pragma once
// RequestParser: an incremental HTTP/1.0 and 1.1 request parser for the
// server's event loop. Bytes may arrive split anywhere; Feed() consumes at
// most one request and stops right after it, so pipelined requests stay in
// the caller's buffer for the next round.
//
// Framing is strict on purpose, because a server and a proxy that disagree
// on where a request ends let one client smuggle requests past the other:
// lines end in CRLF, no folded headers, no space before ':', Content-Length
// and chunked never together, one Content-Length value, and only "chunked"
// as a transfer coding. Bodies are de-chunked and gzip/deflate decoded, and
// both the wire size and the decoded size are held to max_body_bytes.
//
// Errors are final. The framing of whatever follows is unknown, so the
// caller answers error().status and closes the connection.
//
// Not thread-safe; one parser per connection.

#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::server {

struct ParserLimits {
  size_t max_head_bytes = 64 << 10;   // request line + headers, and trailers; over: 431
  size_t max_target_bytes = 8 << 10;  // the request target; over: 414
  size_t max_headers = 100;           // header fields; over: 431
  size_t max_body_bytes = 1 << 20;    // wire and decoded; over: 413
};

struct ParsedRequest {
  std::string method;     // GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS
  std::string target;     // path and query, still percent-encoded; always starts with '/'
  int minor_version = 1;  // HTTP/1.<minor_version>: 0 or 1
  // Names lower-cased, values without surrounding blanks, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // decoded
  bool keep_alive = true;
  bool expects_continue = false;  // "Expect: 100-continue" on HTTP/1.1
  // Set by the server loop, not the parser: requested when the client goes
  // away (EOF or a reset) or the server stops while the request is handled.
  std::stop_token cancel;
};

struct ParseError {
  int status = 400;     // 400, 408, 413, 414, 415, 431 or 505
  std::string message;  // for the client: what was wrong with the request
};

class RequestParser {
 public:
  enum class Status { kNeedMore, kComplete, kError };

  explicit RequestParser(ParserLimits limits = {});
  ~RequestParser();
  RequestParser(RequestParser&&) noexcept;
  RequestParser& operator=(RequestParser&&) noexcept;

  // Consumes a prefix of data and returns its length: everything while the
  // request is incomplete, up to the request's last byte once complete, and
  // nothing after kComplete or kError.
  size_t Feed(std::string_view data);
  Status status() const { return status_; }

  // No byte of the current request seen yet (a keep-alive connection at rest).
  bool idle() const { return state_ == State::kHead && head_.empty(); }
  // The request line and headers are parsed, so request().method and
  // target are valid; also true when the error was found in the body.
  bool head_done() const { return head_done_; }
  // The client sent "Expect: 100-continue" and waits for an interim
  // "100 Continue" before sending its body. Cleared by ContinueSent().
  bool awaiting_continue() const;
  void ContinueSent() { continue_sent_ = true; }

  ParsedRequest& request() { return request_; }
  const ParsedRequest& request() const { return request_; }
  const ParseError& error() const { return error_; }
  // Makes the parser report kError with this status (a timeout the caller saw).
  void Fail(int status, std::string message);

  // Starts over for the next request on the same connection.
  void Reset();

 private:
  enum class State { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone };
  class Inflater;

  size_t FeedHead(std::string_view data);
  size_t FeedLine(std::string_view data, size_t max_line, std::string_view what,
                  int too_long_status);
  bool ParseHead();
  bool ParseRequestLine(std::string_view line);
  bool ParseFraming();
  bool OnChunkSizeLine();
  bool OnTrailerLine();
  bool AppendBody(std::string_view bytes);
  void FinishBody();

  ParserLimits limits_;
  State state_ = State::kHead;
  Status status_ = Status::kNeedMore;
  ParsedRequest request_;
  ParseError error_;
  std::string head_;                     // bytes of the head so far
  std::string line_;                     // a chunk-size or trailer line so far
  size_t line_end_ = std::string::npos;  // of the request line in head_
  bool line_complete_ = false;           // FeedLine() saw the line's end
  size_t body_left_ = 0;                 // of Content-Length or of the current chunk
  size_t wire_body_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  bool head_done_ = false;
  bool continue_sent_ = false;
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace fw::server
