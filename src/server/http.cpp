// The plain data types of http.h; the server itself is in http_server.cpp.
#include "server/http.h"

#include <nlohmann/json.hpp>

namespace fw::server {

fw::Result<Role> ParseRole(std::string_view s) {
  if (s == "viewer") return Role::kViewer;
  if (s == "responder") return Role::kResponder;
  if (s == "admin") return Role::kAdmin;
  return fw::Fail(fw::ErrorCode::kInvalidArgument,
                  "unknown role \"" + std::string(s) + "\": use viewer, responder or admin");
}

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kResponder:
      return "responder";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::string Request::Param(std::string_view name, std::string_view fallback) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string(fallback) : it->second;
}

int HttpStatusFor(fw::ErrorCode code) {
  switch (code) {
    case fw::ErrorCode::kInvalidArgument:
      return 400;
    case fw::ErrorCode::kUnauthorized:
      return 401;
    case fw::ErrorCode::kForbidden:
      return 403;
    case fw::ErrorCode::kNotFound:
      return 404;
    case fw::ErrorCode::kTooLarge:
      return 413;
    case fw::ErrorCode::kInternal:
      return 500;
    case fw::ErrorCode::kIo:
    case fw::ErrorCode::kTimeout:
      return 503;
  }
  return 500;
}

std::string_view ErrorCodeName(fw::ErrorCode code) {
  switch (code) {
    case fw::ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case fw::ErrorCode::kNotFound:
      return "not_found";
    case fw::ErrorCode::kIo:
      return "io";
    case fw::ErrorCode::kUnauthorized:
      return "unauthorized";
    case fw::ErrorCode::kForbidden:
      return "forbidden";
    case fw::ErrorCode::kTooLarge:
      return "too_large";
    case fw::ErrorCode::kTimeout:
      return "timeout";
    case fw::ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

Response Response::ErrorJson(int status, std::string_view code, std::string_view message) {
  nlohmann::ordered_json j = {
      {"status", "error"},
      {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  // Messages may quote request bytes that are not UTF-8; replace, never throw.
  Response r =
      Json(status, j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"firewatch\"");
  return r;
}

Response Response::FromError(const fw::Error& e) {
  return ErrorJson(HttpStatusFor(e.code()), ErrorCodeName(e.code()), e.ToString());
}

}  // namespace fw::server
