#include "common/file_io.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

namespace fw::fileio {
namespace {

std::atomic<bool> g_armed{false};  // fast path: no plan, no lock
std::mutex g_mu;
FaultPlan g_plan;
std::atomic<uint64_t> g_failures{0};

// How many of `n` bytes may be written now; -1 with errno set when none.
ssize_t Allowance(size_t n) {
  std::lock_guard lock(g_mu);
  if (g_plan.write_budget < 0) return static_cast<ssize_t>(n);
  if (g_plan.write_budget == 0) {
    g_failures.fetch_add(1);
    errno = g_plan.error;
    return -1;
  }
  const auto allowed = std::min<int64_t>(static_cast<int64_t>(n), g_plan.write_budget);
  g_plan.write_budget -= allowed;
  return static_cast<ssize_t>(allowed);
}

bool SyncFails() {
  if (!g_armed.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(g_mu);
  if (!g_plan.fail_sync) return false;
  g_failures.fetch_add(1);
  errno = g_plan.error;
  return true;
}

}  // namespace

ssize_t Write(int fd, const void* data, size_t n) {
  if (g_armed.load(std::memory_order_relaxed)) {
    const ssize_t allowed = Allowance(n);
    if (allowed < 0) return -1;
    n = static_cast<size_t>(allowed);
  }
  for (;;) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    return w;
  }
}

int Fsync(int fd) { return SyncFails() ? -1 : ::fsync(fd); }

int Fdatasync(int fd) { return SyncFails() ? -1 : ::fdatasync(fd); }

Result<void> WriteAll(int fd, std::string_view data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = Write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      return Fail(ErrorCode::kIo, "cannot write " + what + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> CutBack(int fd, uint64_t size, const std::string& what) {
  bool fail = false;
  if (g_armed.load(std::memory_order_relaxed)) {
    std::lock_guard lock(g_mu);
    fail = g_plan.fail_truncate;
    if (fail) {
      g_failures.fetch_add(1);
      errno = g_plan.error;
    }
  }
  if (fail || ::ftruncate(fd, static_cast<off_t>(size)) != 0 || Fdatasync(fd) != 0) {
    return Fail(ErrorCode::kIo,
                "cannot cut " + what + " back to its last good record: " + std::strerror(errno));
  }
  return {};
}

void InjectFault(const FaultPlan& plan) {
  std::lock_guard lock(g_mu);
  g_plan = plan;
  g_armed.store(true);
}

void ClearFault() {
  std::lock_guard lock(g_mu);
  g_plan = FaultPlan{};
  g_armed.store(false);
}

uint64_t InjectedFailures() { return g_failures.load(); }

}  // namespace fw::fileio
