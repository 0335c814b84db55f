// RequestParser: a small state machine over the head (collected whole, then
// parsed), then the body in one of three framings (none, Content-Length,
// chunked), with an optional zlib stream between the wire and the body.
#include "server/http_parser.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>

namespace fw::server {

namespace {

constexpr size_t kMaxChunkSizeLine = 1024;  // hex size plus extensions

bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

// Field values: visible bytes, blanks and obs-text; no CR, LF, NUL or DEL.
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c >= 0x20 && c != 0x7f) || c == '\t';
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Calls f on each trimmed, lower-cased element of a comma-separated list.
template <typename F>
void ForEachListItem(std::string_view list, F f) {
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) f(Lower(item));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

bool ParseDecimal(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 18) return false;  // 18 digits cannot overflow
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lower(s.substr(0, prefix.size())) == prefix;
}

}  // namespace

// One zlib stream that accepts gzip or zlib ("deflate") framing.
class RequestParser::Inflater {
 public:
  enum class Outcome { kOk, kTooLarge, kBroken };

  Inflater() { ok_ = inflateInit2(&z_, 15 + 32) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  Outcome Inflate(std::string_view in, std::string& out, size_t limit) {
    if (in.empty()) return Outcome::kOk;
    if (!ok_ || done_) return Outcome::kBroken;  // bytes after the end of the stream
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    std::array<char, 16384> buf;
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(buf.data());
      z_.avail_out = static_cast<uInt>(buf.size());
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const size_t produced = buf.size() - z_.avail_out;
      if (out.size() + produced > limit) return Outcome::kTooLarge;
      out.append(buf.data(), produced);
      if (rc == Z_STREAM_END) {
        done_ = true;
        return z_.avail_in == 0 ? Outcome::kOk : Outcome::kBroken;
      }
      if (rc == Z_BUF_ERROR) return z_.avail_in == 0 ? Outcome::kOk : Outcome::kBroken;
      if (rc != Z_OK) return Outcome::kBroken;
      if (z_.avail_in == 0 && z_.avail_out != 0) return Outcome::kOk;
    }
  }
  bool finished() const { return done_; }

 private:
  z_stream z_{};
  bool ok_ = false;
  bool done_ = false;
};

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}
RequestParser::~RequestParser() = default;
RequestParser::RequestParser(RequestParser&&) noexcept = default;
RequestParser& RequestParser::operator=(RequestParser&&) noexcept = default;

void RequestParser::Reset() { *this = RequestParser(limits_); }

void RequestParser::Fail(int status, std::string message) {
  status_ = Status::kError;
  error_ = ParseError{status, std::move(message)};
  request_.keep_alive = false;
}

bool RequestParser::awaiting_continue() const {
  return status_ == Status::kNeedMore && head_done_ && request_.expects_continue &&
         !continue_sent_ && wire_body_bytes_ == 0;
}

size_t RequestParser::Feed(std::string_view data) {
  size_t used = 0;
  while (status_ == Status::kNeedMore && used < data.size()) {
    const std::string_view rest = data.substr(used);
    switch (state_) {
      case State::kHead:
        used += FeedHead(rest);
        break;
      case State::kBody:
      case State::kChunkData: {
        const size_t n = std::min(body_left_, rest.size());
        used += n;
        body_left_ -= n;
        if (!AppendBody(rest.substr(0, n)) || body_left_ > 0) break;
        if (state_ == State::kBody) {
          FinishBody();
        } else {
          state_ = State::kChunkDataEnd;
        }
        break;
      }
      case State::kChunkSize:
        used += FeedLine(rest, kMaxChunkSizeLine, "chunk size line", 400);
        if (line_complete_) OnChunkSizeLine();
        break;
      case State::kChunkDataEnd:
        used += FeedLine(rest, 2, "chunk data (longer than its size)", 400);
        if (line_complete_) {
          line_.clear();
          state_ = State::kChunkSize;
        }
        break;
      case State::kTrailers:
        used += FeedLine(rest, limits_.max_head_bytes, "trailer line", 431);
        if (line_complete_) OnTrailerLine();
        break;
      case State::kDone:
        return used;
    }
  }
  return used;
}

size_t RequestParser::FeedHead(std::string_view data) {
  const size_t old = head_.size();
  head_.append(data);
  if (line_end_ == std::string::npos) line_end_ = head_.find("\r\n", old > 0 ? old - 1 : 0);
  const size_t end = head_.find("\r\n\r\n", old > 3 ? old - 3 : 0);
  const size_t head_len = end == std::string::npos ? head_.size() : end + 4;
  // 414 as soon as the request line is certain to hold an over-long target.
  const size_t line_len = line_end_ == std::string::npos ? head_len : line_end_;
  if (line_len > limits_.max_target_bytes + 64) {
    Fail(414, "request URI is longer than the server's limit of " +
                  std::to_string(limits_.max_target_bytes) + " bytes");
    return data.size();
  }
  if (head_len > limits_.max_head_bytes) {
    Fail(431, "request headers are larger than the server's limit of " +
                  std::to_string(limits_.max_head_bytes) + " bytes");
    return data.size();
  }
  if (end == std::string::npos) return data.size();
  head_.resize(head_len);
  ParseHead();
  return head_len - old;
}

size_t RequestParser::FeedLine(std::string_view data, size_t max_line, std::string_view what,
                               int too_long_status) {
  const size_t nl = data.find('\n');
  const size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  line_complete_ = false;
  if (line_.size() + take > max_line) {
    Fail(too_long_status, "malformed chunked body: " + std::string(what) + " is too long");
    return take;
  }
  line_.append(data.substr(0, take));
  if (nl == std::string_view::npos) return take;
  // A bare LF, or a CR inside the line, could end the line for another parser.
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r' || line_.find('\r') != line_.size() - 2) {
    Fail(400, "malformed chunked body: " + std::string(what) + " does not end in CRLF");
    return take;
  }
  line_.resize(line_.size() - 2);
  line_complete_ = true;
  return take;
}

bool RequestParser::ParseHead() {
  std::string_view head(head_);
  head.remove_suffix(2);  // the empty line; every line now ends in CRLF
  size_t pos = head.find("\r\n");
  if (!ParseRequestLine(head.substr(0, pos))) return false;
  for (pos += 2; pos < head.size();) {
    const size_t end = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    if (line.front() == ' ' || line.front() == '\t') {
      Fail(400, "malformed request: folded header lines are not accepted");
      return false;
    }
    const size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || !IsToken(name)) {
      Fail(400,
           "malformed request: bad header line (a name, ':' and a value; no space before "
           "':')");
      return false;
    }
    const std::string_view value = Trim(line.substr(colon + 1));
    if (!IsFieldValue(value)) {
      Fail(400, "malformed request: control character in header " + std::string(name));
      return false;
    }
    if (request_.headers.size() >= limits_.max_headers) {
      Fail(431, "request has more than " + std::to_string(limits_.max_headers) + " headers");
      return false;
    }
    request_.headers.emplace_back(Lower(name), std::string(value));
  }
  head_done_ = true;
  return ParseFraming();
}

bool RequestParser::ParseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    Fail(400, "malformed request line: expected METHOD TARGET HTTP/1.1");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (target.size() > limits_.max_target_bytes) {
    Fail(414, "request URI is longer than the server's limit of " +
                  std::to_string(limits_.max_target_bytes) + " bytes");
    return false;
  }
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    Fail(400,
         "malformed request: unsupported method \"" + std::string(method.substr(0, 16)) + "\"");
    return false;
  }
  request_.method = method;
  if (version == "HTTP/1.1" || version == "HTTP/1.0") {
    request_.minor_version = version.back() - '0';
  } else if (version.size() == 8 && version.starts_with("HTTP/") && std::isdigit(version[5]) &&
             version[6] == '.' && std::isdigit(version[7])) {
    Fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported; use 1.1");
    return false;
  } else {
    Fail(400, "malformed request line: expected METHOD TARGET HTTP/1.1");
    return false;
  }
  // Absolute form (sent to proxies; servers must accept it): keep the path.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (StartsWithNoCase(target, scheme)) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
  }
  const bool visible = std::all_of(target.begin(), target.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c != 0x7f;
  });
  if (!target.starts_with('/') || !visible) {
    Fail(400, "malformed request target: it must be a path starting with '/'");
    return false;
  }
  request_.target = target;
  return true;
}

bool RequestParser::ParseFraming() {
  ParsedRequest& r = request_;
  std::optional<size_t> length;
  std::vector<std::string> transfer, content;
  bool close = false, keep_alive = false, expect = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "content-length") {
      bool bad = false;
      ForEachListItem(value, [&](const std::string& item) {
        size_t n = 0;
        if (!ParseDecimal(item, &n) || (length && *length != n)) bad = true;
        length = n;
      });
      if (bad || !length) {
        Fail(400, "malformed request: invalid or conflicting Content-Length");
        return false;
      }
    } else if (name == "transfer-encoding") {
      ForEachListItem(value, [&](std::string item) { transfer.push_back(std::move(item)); });
    } else if (name == "content-encoding") {
      ForEachListItem(value, [&](std::string item) {
        if (item != "identity") content.push_back(std::move(item));
      });
    } else if (name == "connection") {
      ForEachListItem(value, [&](const std::string& item) {
        close |= item == "close";
        keep_alive |= item == "keep-alive";
      });
    } else if (name == "expect") {
      expect |= Lower(value) == "100-continue";
    }
  }
  r.keep_alive = r.minor_version == 1 ? !close : keep_alive && !close;
  r.expects_continue = expect && r.minor_version == 1;
  const bool chunked = !transfer.empty();
  if (chunked) {
    if (length || r.minor_version == 0 || transfer.size() != 1 || transfer[0] != "chunked") {
      Fail(400, length ? "malformed request: both Content-Length and Transfer-Encoding"
                       : "malformed request: the only Transfer-Encoding accepted is chunked, "
                         "on HTTP/1.1");
      return false;
    }
  }
  // gzip and deflate are undone here, under the body limit. Any other single
  // coding reaches the handler as sent, with its header, for the handler to
  // decode or refuse: Prometheus remote write sends snappy this way.
  if (content.size() > 1) {
    Fail(415,
         "unsupported Content-Encoding: one coding at most (gzip, deflate, or one the "
         "endpoint decodes itself, such as remote write's snappy)");
    return false;
  }
  const bool inflate = content.size() == 1 &&
                       (content[0] == "gzip" || content[0] == "x-gzip" || content[0] == "deflate");
  if (length && *length > limits_.max_body_bytes) {
    Fail(413, "request body is larger than the server's limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  if (inflate) inflater_ = std::make_unique<Inflater>();
  if (chunked) {
    state_ = State::kChunkSize;
  } else if (length && *length > 0) {
    state_ = State::kBody;
    body_left_ = *length;
  } else {
    FinishBody();  // RFC 9112 6.3: neither header means no body
  }
  return true;
}

bool RequestParser::OnChunkSizeLine() {
  const std::string_view line(line_);
  size_t digits = 0, size = 0;
  while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
    size = size * 16 + static_cast<size_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    ++digits;
  }
  const std::string_view ext = Trim(line.substr(digits));
  if (digits == 0 || digits > 15 || (!ext.empty() && ext.front() != ';') || !IsFieldValue(ext)) {
    Fail(400, "malformed chunked body: bad chunk size line");
    return false;
  }
  line_.clear();
  if (size > limits_.max_body_bytes - std::min(wire_body_bytes_, limits_.max_body_bytes)) {
    Fail(413, "request body is larger than the server's limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  if (size == 0) {
    state_ = State::kTrailers;
  } else {
    state_ = State::kChunkData;
    body_left_ = size;
  }
  return true;
}

bool RequestParser::OnTrailerLine() {
  const std::string line = std::move(line_);
  line_.clear();
  if (line.empty()) {
    FinishBody();
    return status_ == Status::kComplete;
  }
  trailer_bytes_ += line.size() + 2;
  if (head_.size() + trailer_bytes_ > limits_.max_head_bytes) {
    Fail(431, "request headers and trailers are larger than the server's limit of " +
                  std::to_string(limits_.max_head_bytes) + " bytes");
    return false;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos || !IsToken(std::string_view(line).substr(0, colon)) ||
      !IsFieldValue(line)) {
    Fail(400, "malformed chunked body: bad trailer line");
    return false;
  }
  return true;  // trailers are read and dropped: nothing here needs them
}

bool RequestParser::AppendBody(std::string_view bytes) {
  wire_body_bytes_ += bytes.size();
  auto too_large = [this](std::string_view how) {
    Fail(413, "request body is larger than the server's limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes" + std::string(how));
    return false;
  };
  if (wire_body_bytes_ > limits_.max_body_bytes) return too_large("");
  if (!inflater_) {
    request_.body.append(bytes);
    return true;
  }
  switch (inflater_->Inflate(bytes, request_.body, limits_.max_body_bytes)) {
    case Inflater::Outcome::kOk:
      return true;
    case Inflater::Outcome::kTooLarge:
      return too_large(" once decompressed");
    case Inflater::Outcome::kBroken:
      break;
  }
  Fail(400, "request body is not valid gzip/deflate data");
  return false;
}

void RequestParser::FinishBody() {
  if (inflater_ && !inflater_->finished()) {
    Fail(400, "request body is not valid gzip/deflate data (truncated)");
    return;
  }
  state_ = State::kDone;
  status_ = Status::kComplete;
}

}  // namespace fw::server
