#pragma once
// Running a program: argv through posix_spawnp, NEVER a shell, so a value
// like "x; rm -rf /" reaches the program as that literal string. The child
// inherits the environment, runs in its own process group, is killed at its
// timeout (SIGTERM, then SIGKILL after 2 s), and its stdout and stderr are
// captured together (up to 64 KiB). Used by runbook actions and by exec
// notification receivers.

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw {

// Output of one command: exit status (-1 when killed or not started).
struct CommandResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (looked up in PATH) with argv; `input` is its stdin (empty:
// /dev/null). `clock` measures the timeout. kIo when the program cannot be
// started, kInvalidArgument for an empty argv.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv, Millis timeout, Clock& clock,
                                 std::string_view input = {});

// Shows argv as one line a person can paste into a POSIX shell (quoting only
// for display; nothing is ever run through a shell).
std::string ShellQuote(const std::vector<std::string>& argv);

}  // namespace fw
