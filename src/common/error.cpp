#include "common/error.h"

namespace fw {

std::string SourceLocation::ToString() const {
  std::string out;
  if (!file.empty()) {
    out = file;
    if (line > 0) out += ":" + std::to_string(line);
    if (line > 0 && column > 0) out += ":" + std::to_string(column);
  } else if (line > 0) {
    out = "line " + std::to_string(line);
    if (column > 0) out += ", column " + std::to_string(column);
  }
  return out;
}

std::string Error::ToString() const {
  const std::string w = where_.ToString();
  return w.empty() ? message_ : w + ": " + message_;
}

Error Error::WithContext(const std::string& context) const {
  return Error(code_, context + ": " + message_, where_);
}

int ExitCodeFor(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kTooLarge:
      return 2;
    default:
      return 1;
  }
}

}  // namespace fw
