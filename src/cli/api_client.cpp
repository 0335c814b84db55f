#include "cli/api_client.h"

#include <httplib.h>

#include <cstdlib>

namespace fw::cli {

using nlohmann::json;

namespace {

// The body of a 2xx answer, or an error carrying the server's message.
Result<json> Answer(const std::string& url, const httplib::Result& res) {
  if (!res) {
    return Fail(ErrorCode::kIo, "cannot reach " + url + ": " + httplib::to_string(res.error()) +
                                    " error (is `firewatch serve` running there? see --server)");
  }
  json body = json::parse(res->body, nullptr, false);
  if (res->status / 100 == 2) return body;
  std::string why = res->body.substr(0, 300);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    why = body["error"].value("message", why);
  }
  const ErrorCode code = res->status == 404   ? ErrorCode::kNotFound
                         : res->status == 401 ? ErrorCode::kUnauthorized
                         : res->status == 403 ? ErrorCode::kForbidden
                         : res->status >= 500 ? ErrorCode::kIo
                                              : ErrorCode::kInvalidArgument;
  return Fail(code, url + " answered " + std::to_string(res->status) + ": " + why);
}

}  // namespace

std::string UrlEncode(const std::string& text) { return httplib::detail::encode_query_param(text); }

struct ApiClient::Impl {
  explicit Impl(const std::string& url) : client(url) {}
  httplib::Client client;
};

ApiClient::ApiClient(const std::string& url, const std::string& token)
    : url_(url), impl_(std::make_unique<Impl>(url)) {
  impl_->client.set_connection_timeout(5, 0);
  impl_->client.set_read_timeout(30, 0);
  std::string t = token;
  if (const char* env = std::getenv("FIREWATCH_TOKEN"); t.empty() && env) t = env;
  if (!t.empty()) impl_->client.set_bearer_token_auth(t);
}

ApiClient::~ApiClient() = default;

Result<json> ApiClient::Get(const std::string& path) {
  return Answer(url_, impl_->client.Get(path));
}

Result<json> ApiClient::Delete(const std::string& path) {
  return Answer(url_, impl_->client.Delete(path));
}

Result<json> ApiClient::Post(const std::string& path, const json& body) {
  return Answer(url_,
                impl_->client.Post(path, body.dump(-1, ' ', false, json::error_handler_t::replace),
                                   "application/json"));
}

Result<std::string> ApiClient::Text(const std::string& method, const std::string& path) {
  auto res =
      method == "POST" ? impl_->client.Post(path, "", "application/json") : impl_->client.Get(path);
  if (res && res->status / 100 == 2) return res->body;
  auto failed = Answer(url_, res);
  return Fail(failed.error());
}

}  // namespace fw::cli
