#pragma once
// A client of a running firewatch server for the CLI's remote commands:
// bearer token from --token or FIREWATCH_TOKEN, JSON in and out, and errors
// that say what the server answered (or that it cannot be reached).

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace fw::cli {

class ApiClient {
 public:
  // token: "" = FIREWATCH_TOKEN if set, else anonymous.
  ApiClient(const std::string& url, const std::string& token);

  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  // The body of a 2xx answer as it is (Markdown, HTML); method GET or POST.
  Result<std::string> Text(const std::string& method, const std::string& path);
  const std::string& url() const { return url_; }

 private:
  // The body of a 2xx answer, or an error carrying the server's message.
  Result<nlohmann::json> Answer(const httplib::Result& res);

  std::string url_;
  httplib::Client client_;
};

}  // namespace fw::cli
