#pragma once
// ScratchDir: a new empty directory under the test temp dir for one test,
// removed with everything in it when the test program exits, so test runs
// leave nothing behind in /tmp. FIREWATCH_KEEP_TEST_DIRS=1 keeps them (to
// look at what a failing test left). Children forked by crash tests never
// remove them: only the process that made them does.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace fw::testing {

inline std::string ScratchDir(const std::string& prefix) {
  struct Registry {
    std::mutex mu;
    std::vector<std::string> dirs;
    pid_t owner = getpid();
    ~Registry() {
      if (getpid() != owner || std::getenv("FIREWATCH_KEEP_TEST_DIRS")) return;
      std::error_code ec;
      for (const std::string& d : dirs) std::filesystem::remove_all(d, ec);
    }
  };
  static Registry registry;
  std::string d = ::testing::TempDir() + prefix + "_XXXXXX";
  EXPECT_NE(mkdtemp(d.data()), nullptr) << d;
  std::lock_guard lock(registry.mu);
  registry.dirs.push_back(d);
  return d;
}

}  // namespace fw::testing
