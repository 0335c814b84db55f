#pragma once
// FakeHttp: an HTTP server on 127.0.0.1 for the paging tests, standing in
// for Slack, Teams, ntfy, webhooks and Twilio-shaped SMS providers. It
// records every request and answers each path with a programmable status
// and body (200 "{}" by default).

#include <httplib.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fw::notify::testing {

struct Recorded {
  std::string path, content_type, authorization, body;
  std::multimap<std::string, std::string> headers;
  std::multimap<std::string, std::string> form;  // for form-encoded bodies
};

class FakeHttp {
 public:
  FakeHttp() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      Recorded r{req.path,
                 req.get_header_value("Content-Type"),
                 req.get_header_value("Authorization"),
                 req.body,
                 {},
                 {}};
      for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
      if (r.content_type.starts_with("application/x-www-form-urlencoded")) {
        httplib::Params params;
        httplib::detail::parse_query_text(req.body, params);
        for (const auto& [k, v] : params) r.form.emplace(k, v);
      }
      requests_.push_back(std::move(r));
      auto it = answers_.find(req.path);
      res.status = it == answers_.end() ? 200 : it->second.first;
      res.set_content(it == answers_.end() ? "{}" : it->second.second, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeHttp() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void Answer(const std::string& path, int status, std::string body = "{}") {
    std::lock_guard lock(mu_);
    answers_[path] = {status, std::move(body)};
  }
  std::vector<Recorded> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Recorded> requests_;
  std::map<std::string, std::pair<int, std::string>> answers_;
};

inline std::string FormValue(const Recorded& r, const std::string& key) {
  auto it = r.form.find(key);
  return it == r.form.end() ? "" : it->second;
}

}  // namespace fw::notify::testing
