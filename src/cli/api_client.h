#pragma once
// A client of a running firewatch server for the CLI's remote commands:
// bearer token from --token or FIREWATCH_TOKEN, JSON in and out, and errors
// that say what the server answered (or that it cannot be reached).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace fw::cli {

// Percent-encodes a path segment or query value.
std::string UrlEncode(const std::string& text);

class ApiClient {
 public:
  // token: "" = FIREWATCH_TOKEN if set, else anonymous.
  ApiClient(const std::string& url, const std::string& token);
  ~ApiClient();

  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Delete(const std::string& path);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  // The body of a 2xx answer as it is (Markdown, HTML); method GET or POST.
  Result<std::string> Text(const std::string& method, const std::string& path);
  const std::string& url() const { return url_; }

 private:
  struct Impl;  // the HTTP client: httplib.h stays in api_client.cpp (a heavy header)
  std::string url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::cli
