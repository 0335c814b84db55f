#pragma once
// A client connection for the page transports (HTTP providers and SMTP):
// TCP with a timeout on every read and write, upgradable to TLS (OpenSSL,
// peer certificate and host name verified against the system's trust store
// or `ca_file`) either at once (https) or mid-stream (SMTP STARTTLS).
// Blocking; one thread at a time.

#include <memory>
#include <string>

#include "common/duration.h"
#include "common/error.h"

namespace fw::notify {

class Connection {
 public:
  // kIo naming host:port when the connection cannot be made.
  static Result<std::unique_ptr<Connection>> Open(const std::string& host, int port,
                                                  Millis timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts TLS over the open connection, verifying `host`'s certificate.
  Result<void> StartTls(const std::string& host, const std::string& ca_file = "");
  bool tls() const { return ssl_ != nullptr; }

  Result<void> Write(const std::string& data);
  // A line without its CRLF; kIo when the peer closes first. Lines past
  // 64 KiB are refused (a peer cannot make us buffer without bound).
  Result<std::string> ReadLine();
  // Everything up to the peer closing, at most `limit` bytes.
  Result<std::string> ReadAll(size_t limit);
  // Exactly n bytes.
  Result<std::string> Read(size_t n);

 private:
  Connection(int fd, std::string where) : fd_(fd), where_(std::move(where)) {}
  // Bytes into buf_; 0 when the peer closed.
  Result<size_t> Fill();

  int fd_;
  std::string where_;    // host:port, for errors
  void* ctx_ = nullptr;  // SSL_CTX*
  void* ssl_ = nullptr;  // SSL*
  std::string buf_;
};

}  // namespace fw::notify
