#pragma once
// The write path of every file that acknowledges writes (write-ahead logs,
// journals, the outbox): write(2), fsync(2) and fdatasync(2) behind one seam
// that tests can make fail, as a full or failing disk does.
//
//   fileio::FaultPlan plan;
//   plan.write_budget = 100;      // 100 more bytes fit, then ENOSPC
//   fileio::ScopedFault fault(plan);
//   ... the code under test sees a short write, then -1/ENOSPC ...
//
// Without a plan the calls are the system calls. Thread-safe.

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw::fileio {

// write(2); retries EINTR. May write fewer bytes than asked (a full disk).
ssize_t Write(int fd, const void* data, size_t n);
int Fsync(int fd);
int Fdatasync(int fd);

// Writes all of `data` at the file's offset (or end, for O_APPEND). On a
// short or failed write fails with kIo "cannot write WHAT: <errno text>";
// part of `data` may then be in the file: the caller cuts it back.
Result<void> WriteAll(int fd, std::string_view data, const std::string& what);

// ftruncate(fd, size) then fdatasync: a failed append taken back durably.
// Needs no free space. Fails with kIo naming WHAT.
Result<void> CutBack(int fd, uint64_t size, const std::string& what);

struct FaultPlan {
  int error = ENOSPC;          // errno of the failures (ENOSPC or EIO)
  int64_t write_budget = -1;   // bytes written before writes fail; -1: no limit
  bool fail_sync = false;      // fsync / fdatasync fail with `error`
  bool fail_truncate = false;  // CutBack fails with `error` (a disk that stays broken)
};

// Installs a plan for the whole process (tests); Clear() removes it.
void InjectFault(const FaultPlan& plan);
void ClearFault();
// Failures the plan caused so far.
uint64_t InjectedFailures();

class ScopedFault {
 public:
  explicit ScopedFault(const FaultPlan& plan) { InjectFault(plan); }
  ~ScopedFault() { ClearFault(); }
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
};

}  // namespace fw::fileio
