#include "notify/connection.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

namespace fw::notify {
namespace {

constexpr size_t kMaxLine = 64 * 1024;

std::string SslError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& host, int port,
                                                     Millis timeout) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) {
    return Fail(ErrorCode::kIo, "cannot resolve " + host);
  }
  std::string last = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      freeaddrinfo(found);
      return std::unique_ptr<Connection>(new Connection(fd, where));
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  return Fail(ErrorCode::kIo, "cannot connect to " + where + ": " + last);
}

Connection::~Connection() {
  if (ssl_) {
    SSL_shutdown(static_cast<SSL*>(ssl_));
    SSL_free(static_cast<SSL*>(ssl_));
  }
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  ::close(fd_);
}

Result<void> Connection::StartTls(const std::string& host, const std::string& ca_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Fail(ErrorCode::kIo, where_ + ": " + SslError());
  ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) return Fail(ErrorCode::kIo, "cannot load CA certificates: " + SslError());
  SSL* ssl = SSL_new(ctx);
  ssl_ = ssl;
  SSL_set_fd(ssl, fd_);
  SSL_set_tlsext_host_name(ssl, host.c_str());
  SSL_set1_host(ssl, host.c_str());  // the certificate must name the host we asked for
  if (!buf_.empty()) return Fail(ErrorCode::kIo, where_ + ": data before the TLS handshake");
  if (SSL_connect(ssl) != 1) {
    return Fail(ErrorCode::kIo, "TLS handshake with " + where_ + " failed: " + SslError());
  }
  return {};
}

Result<void> Connection::Write(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const int n =
        ssl_ ? SSL_write(static_cast<SSL*>(ssl_), data.data() + done,
                         static_cast<int>(data.size() - done))
             : static_cast<int>(::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL));
    if (n <= 0) return Fail(ErrorCode::kIo, "cannot write to " + where_);
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<size_t> Connection::Fill() {
  char chunk[8192];
  const int n = ssl_ ? SSL_read(static_cast<SSL*>(ssl_), chunk, sizeof chunk)
                     : static_cast<int>(::recv(fd_, chunk, sizeof chunk, 0));
  if (n < 0) return Fail(ErrorCode::kIo, "cannot read from " + where_ + " (timeout?)");
  if (n == 0 && ssl_ && SSL_get_error(static_cast<SSL*>(ssl_), n) != SSL_ERROR_ZERO_RETURN) {
    return size_t{0};  // peers that close without close_notify: end of data all the same
  }
  buf_.append(chunk, static_cast<size_t>(n));
  return static_cast<size_t>(n);
}

Result<std::string> Connection::ReadLine() {
  for (;;) {
    const size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buf_.size() > kMaxLine) return Fail(ErrorCode::kTooLarge, where_ + ": line too long");
    auto n = Fill();
    if (!n) return Fail(n.error());
    if (*n == 0) return Fail(ErrorCode::kIo, where_ + " closed the connection");
  }
}

Result<std::string> Connection::ReadAll(size_t limit) {
  while (buf_.size() < limit) {
    auto n = Fill();
    if (!n) return Fail(n.error());
    if (*n == 0) break;
  }
  std::string out = buf_.substr(0, limit);
  buf_.clear();
  return out;
}

Result<std::string> Connection::Read(size_t n) {
  while (buf_.size() < n) {
    auto got = Fill();
    if (!got) return Fail(got.error());
    if (*got == 0) return Fail(ErrorCode::kIo, where_ + " closed the connection early");
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

}  // namespace fw::notify
