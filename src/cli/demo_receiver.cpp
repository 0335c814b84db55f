#include "cli/demo_receiver.h"

#include <httplib.h>

#include <mutex>
#include <thread>

namespace fw::cli {

struct WebhookReceiver::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mu;
  std::vector<std::string> bodies;
};

Result<std::unique_ptr<WebhookReceiver>> WebhookReceiver::Start() {
  auto impl = std::make_unique<Impl>();
  Impl* m = impl.get();
  m->server.Post("/hook", [m](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(m->mu);
    m->bodies.push_back(req.body);
    res.set_content("{}", "application/json");
  });
  m->port = m->server.bind_to_any_port("127.0.0.1");
  if (m->port <= 0) return Fail(ErrorCode::kIo, "cannot bind the demo's webhook receiver");
  // Bound and listening already: requests queue until the thread accepts.
  m->thread = std::thread([m] { m->server.listen_after_bind(); });
  return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(std::move(impl)));
}

WebhookReceiver::WebhookReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookReceiver::~WebhookReceiver() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/hook";
}

std::vector<std::string> WebhookReceiver::bodies() const {
  std::lock_guard lock(impl_->mu);
  return impl_->bodies;
}

}  // namespace fw::cli
