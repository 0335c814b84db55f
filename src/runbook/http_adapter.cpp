#include "runbook/http_adapter.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace fw::runbook {

Result<HttpAdapter> HttpAdapter::Make(HttpAdapterOptions options) {
  auto url = Template::Parse(options.url);
  if (!url) return Fail(url.error().WithContext("--url"));
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://")) {
    return Fail(ErrorCode::kInvalidArgument,
                "--url must start with http:// or https://, got \"" + options.url + "\"");
  }
  HttpAdapter a;
  a.options_ = std::move(options);
  a.url_ = std::move(*url);
  return a;
}

Result<ActionOutcome> HttpAdapter::Run(const ActionCall& call, bool dry_run) {
  Vars vars(call.args.begin(), call.args.end());
  vars["action"] = call.action;
  auto url = url_.Render(vars);
  if (!url) return Fail(url.error().WithContext("--url"));
  nlohmann::json body = {{"action", call.action}, {"args", call.args}};
  if (!options_.incident_id.empty()) body["incident_id"] = options_.incident_id;
  ActionOutcome out;
  out.command = {"POST", *url, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  if (dry_run) {
    out.ok = true;
    return out;
  }
  const size_t scheme = url->find("://");
  const size_t path_at = url->find('/', scheme + 3);
  const std::string host = url->substr(0, path_at);
  const std::string path = path_at == std::string::npos ? "/" : url->substr(path_at);
  httplib::Client client(host);
  const auto secs = options_.timeout.count() / 1000;
  const auto usecs = options_.timeout.count() % 1000 * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  httplib::Headers headers(options_.headers.begin(), options_.headers.end());
  auto res = client.Post(path, headers, out.command[2], "application/json");
  if (!res) {
    out.output = "POST " + *url + " failed: " + httplib::to_string(res.error());
    return out;
  }
  out.output = res->body.substr(0, 4096);
  if (res->status / 100 != 2) {
    out.output = "HTTP " + std::to_string(res->status) + ": " + out.output;
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace fw::runbook
