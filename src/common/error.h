#pragma once
// The project's one error style: functions that can fail on user input return
// Result<T> (std::expected<T, Error>). An Error says what was wrong, where
// (file:line:column when known) and, ideally, what to do. Exceptions from
// third-party libraries are caught at the boundary and converted to Error.
// The CLI maps an Error to a message on stderr and an exit code.

#include <expected>
#include <string>
#include <utility>

namespace fw {

enum class ErrorCode {
  kInvalidArgument,  // bad user input: config, query, flag, request body
  kNotFound,         // a named thing does not exist
  kIo,               // file system or network failure
  kUnauthorized,     // missing or wrong credentials
  kForbidden,        // credentials lack the needed role
  kTooLarge,         // a configured limit was exceeded
  kTimeout,          // a time limit ran out, or the caller canceled the work
  kInternal,         // a bug: should never reach a user
};

struct SourceLocation {
  std::string file;              // empty when the input has no file (a flag, a request)
  int line = 0;                  // 1-based; 0 when unknown
  int column = 0;                // 1-based; 0 when unknown
  std::string ToString() const;  // "file:line:col", "line 3", or ""
};

class Error {
 public:
  Error(ErrorCode code, std::string message, SourceLocation where = {})
      : code_(code), message_(std::move(message)), where_(std::move(where)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const SourceLocation& where() const { return where_; }

  // "where: message", the form printed to users.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Error WithContext(const std::string& context) const;

 private:
  ErrorCode code_;
  std::string message_;
  SourceLocation where_;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return Fail(ErrorCode::kNotFound, "...")`.
inline std::unexpected<Error> Fail(ErrorCode code, std::string message, SourceLocation where = {}) {
  return std::unexpected<Error>(Error(code, std::move(message), std::move(where)));
}
inline std::unexpected<Error> Fail(Error e) { return std::unexpected<Error>(std::move(e)); }

// Exit code the CLI uses for an error: 2 for bad input, 1 otherwise.
int ExitCodeFor(const Error& e);

}  // namespace fw
