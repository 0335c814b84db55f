#pragma once
// The demo's stand-in for the on-call's pager: a webhook receiver on
// 127.0.0.1 (any free port) that keeps every payload it gets. Real HTTP, so
// the demo shows delivery exactly as a real receiver would see it.

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace fw::cli {

class WebhookReceiver {
 public:
  static Result<std::unique_ptr<WebhookReceiver>> Start();
  ~WebhookReceiver();       // stops
  std::string url() const;  // http://127.0.0.1:PORT/hook
  std::vector<std::string> bodies() const;

  struct Impl;

 private:
  explicit WebhookReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::cli
