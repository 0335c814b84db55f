#pragma once
// Test helper: an exporter on 127.0.0.1 (ephemeral port) whose answer the
// test sets: body, content type, status, and a delay before answering.
// Also serves any other path set with SetPath (e.g. an HTTP SD document).

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace fw::metrics::ingest::testing {

class FakeExporter {
 public:
  struct Answer {
    std::string body;
    std::string content_type = "text/plain; version=0.0.4";
    int status = 200;
    int delay_ms = 0;
  };

  FakeExporter() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Answer a;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++requests_;
        last_headers_ = req.headers;
        auto it = answers_.find(req.path);
        a = it != answers_.end() ? it->second : Answer{"", "text/plain", 404, 0};
      }
      if (a.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(a.delay_ms));
      res.status = a.status;
      res.set_content(a.body, a.content_type.c_str());
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the listener runs would be lost: wait for it.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeExporter() {
    server_.stop();
    thread_.join();
  }

  void Set(const std::string& path, Answer a) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[path] = std::move(a);
  }
  void Set(const std::string& body) { Set("/metrics", Answer{body}); }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::string header(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_headers_.find(name);
    return it == last_headers_.end() ? "" : it->second;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, Answer> answers_;
  httplib::Headers last_headers_;
  int requests_ = 0;
};

}  // namespace fw::metrics::ingest::testing
