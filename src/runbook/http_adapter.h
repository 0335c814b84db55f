#pragma once
// The http adapter: each action is POSTed as JSON to a templated URL (the
// template sees the call's arguments and `action`), e.g. an automation
// service's webhook https://ops.example/hooks/{{ .action }}. The body is
//   {"action": "scale", "args": {"by": "2"}, "incident_id": "INC-7"}
// A 2xx answer is success; its body becomes the step's output. Headers (a
// bearer token, say) are sent with every request.

#include <map>
#include <string>

#include "common/duration.h"
#include "runbook/execution.h"
#include "runbook/template.h"

namespace fw::runbook {

struct HttpAdapterOptions {
  std::string url;  // template
  std::map<std::string, std::string> headers;
  Millis timeout{30'000};
  std::string incident_id;  // put into every body
};

class HttpAdapter final : public ActionAdapter {
 public:
  // kInvalidArgument when the URL template does not parse or is not http(s).
  static Result<HttpAdapter> Make(HttpAdapterOptions options);
  std::string name() const override { return "http"; }
  Result<ActionOutcome> Run(const ActionCall& call, bool dry_run) override;

 private:
  HttpAdapterOptions options_;
  Template url_;
};

}  // namespace fw::runbook
