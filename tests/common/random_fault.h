#pragma once
// RandomFault: one step of a disk that fills and fails, for the fault tests
// of the write-ahead files (issue #14). nullopt: a working disk. Otherwise
// ENOSPC after a random byte budget, EIO after a budget (and perhaps on
// fsync), or EIO on fsync and truncate alike (a dead disk: the file fails
// closed). `healthy` forces a working disk (a phase's last step, so that a
// log failed closed is repaired before the test's "crash").

#include <cerrno>
#include <optional>
#include <random>

#include "common/file_io.h"

namespace fw::testing {

inline std::optional<fileio::FaultPlan> RandomFault(std::mt19937& rng, bool healthy,
                                                    int max_budget) {
  const int kind = healthy ? 0 : static_cast<int>(rng() % 4);
  if (kind == 0) return std::nullopt;
  fileio::FaultPlan plan;
  plan.error = kind == 1 ? ENOSPC : EIO;
  if (kind != 3) plan.write_budget = static_cast<int64_t>(rng() % max_budget);
  if (kind == 2) plan.fail_sync = rng() % 2 == 0;
  if (kind == 3) plan.fail_sync = plan.fail_truncate = true;
  return plan;
}

// Runs `write` under `plan` (none: as is).
template <typename F>
auto UnderFault(const std::optional<fileio::FaultPlan>& plan, F&& write) {
  if (!plan) return write();
  fileio::ScopedFault fault(*plan);
  return write();
}

}  // namespace fw::testing
