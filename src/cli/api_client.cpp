#include "cli/api_client.h"

#include <cstdlib>

namespace fw::cli {

using nlohmann::json;

ApiClient::ApiClient(const std::string& url, const std::string& token) : url_(url), client_(url) {
  client_.set_connection_timeout(5, 0);
  client_.set_read_timeout(30, 0);
  std::string t = token;
  if (const char* env = std::getenv("FIREWATCH_TOKEN"); t.empty() && env) t = env;
  if (!t.empty()) client_.set_bearer_token_auth(t);
}

Result<json> ApiClient::Get(const std::string& path) { return Answer(client_.Get(path)); }

Result<json> ApiClient::Post(const std::string& path, const json& body) {
  return Answer(client_.Post(path,
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             "application/json"));
}

Result<std::string> ApiClient::Text(const std::string& method, const std::string& path) {
  auto res = method == "POST" ? client_.Post(path, "", "application/json") : client_.Get(path);
  if (res && res->status / 100 == 2) return res->body;
  auto failed = Answer(res);
  return Fail(failed.error());
}

Result<json> ApiClient::Answer(const httplib::Result& res) {
  if (!res) {
    return Fail(ErrorCode::kIo, "cannot reach " + url_ + ": " + httplib::to_string(res.error()) +
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
  return Fail(code, url_ + " answered " + std::to_string(res->status) + ": " + why);
}

}  // namespace fw::cli
