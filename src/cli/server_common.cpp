#include "cli/server_common.h"

#include <sys/random.h>

#include <cstdio>
#include <cstdlib>

namespace fw::cli {

Result<AdminToken> AdminTokenFromEnv(bool generate) {
  const char* env = std::getenv("FIREWATCH_TOKEN");
  if (env && *env) return AdminToken{env, false};
  if (!generate) return AdminToken{"", false};
  unsigned char bytes[24] = {};
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    return Fail(ErrorCode::kIo, "cannot read random bytes for a token; set FIREWATCH_TOKEN");
  }
  AdminToken t{"", true};
  char hex[3];
  for (unsigned char b : bytes) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    t.token += hex;
  }
  return t;
}

sigset_t BlockStopSignals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  return s;
}

std::string DialableAddress(const std::string& bind) {
  if (bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "[::1]";
  if (bind.find(':') != std::string::npos) return "[" + bind + "]";
  return bind;
}

}  // namespace fw::cli
