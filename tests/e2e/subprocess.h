#pragma once
// Runs the firewatch binary for end-to-end tests: to completion with its
// output captured, or in the background for servers.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace fw::e2e {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// A new empty directory under $TMPDIR (or /tmp), unique to this call, so
// that test runs on one machine never share files. Removed with its contents
// when the test program exits, unless FIREWATCH_KEEP_TEST_DIRS is set (to
// look at what a failing test left).
std::string MakeTempDir();

// Polls `done` every `every` until it holds (true) or `deadline` passes
// (false): synchronisation on a condition, never on a guessed sleep.
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds deadline = std::chrono::milliseconds(15'000),
               std::chrono::milliseconds every = std::chrono::milliseconds(20));

// Runs argv (argv[0] is the program) to completion. Extra environment
// entries ("NAME=value") are added to the inherited environment.
RunResult Run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// A child process whose stdout can be read line by line; killed (SIGTERM,
// then SIGKILL) on destruction.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env = {});
  ~Background();
  // Reads one line of stdout; "" at end of file or after 30 s of silence.
  std::string ReadLine();
  // Sends SIGTERM and waits; returns the exit code (or 128+signal).
  int Terminate();
  // Sends `sig` and returns at once (SIGHUP: reload).
  void Signal(int sig);
  // SIGKILL, no chance to clean up: a crash.
  void Kill();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

}  // namespace fw::e2e
