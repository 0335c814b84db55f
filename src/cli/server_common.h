#pragma once
// What the long-running commands (serve, sim serve) share: the admin token
// from FIREWATCH_TOKEN (or a random one, printed once), and waiting for
// SIGINT/SIGTERM. REQUIRES: BlockStopSignals() before any thread starts.
// The token named "admin" in logs is FIREWATCH_TOKEN's; tokens from a config
// file (server.tokens) come in addition to it.

#include <signal.h>

#include <string>

#include "common/error.h"

namespace fw::cli {

struct AdminToken {
  std::string token;
  bool generated = false;  // no FIREWATCH_TOKEN: the caller prints it
};

// Without FIREWATCH_TOKEN: a random token when `generate`, else an empty
// one (the config file has tokens of its own).
Result<AdminToken> AdminTokenFromEnv(bool generate = true);

// Blocks SIGINT and SIGTERM in this thread (and threads started later).
sigset_t BlockStopSignals();

// A wildcard bind cannot be dialled: loopback stands in; IPv6 gets brackets.
std::string DialableAddress(const std::string& bind);

}  // namespace fw::cli
