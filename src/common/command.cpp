#include "common/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace fw {
namespace {

constexpr size_t kMaxOutput = 64 * 1024;
constexpr int kPollSliceMs = 50;
constexpr Timestamp kTermGraceMs = 2'000;

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Waits for the child to exit, polling, up to `deadline` on `clock`; true
// when it exited (status in *status).
bool WaitUntil(pid_t pid, int* status, Clock& clock, Timestamp deadline) {
  while (true) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;
    if (clock.Now() >= deadline) return false;
    poll(nullptr, 0, kPollSliceMs);
  }
}

void Kill(pid_t pid, int* status, Clock& clock) {
  kill(-pid, SIGTERM);
  if (WaitUntil(pid, status, clock, clock.Now() + kTermGraceMs)) return;
  kill(-pid, SIGKILL);
  waitpid(pid, status, 0);
}

Result<pid_t> Spawn(const std::vector<std::string>& argv, int out_fd, int in_fd, int stdin_fd) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
  posix_spawn_file_actions_addclose(&fa, in_fd);
  if (stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Fail(ErrorCode::kIo, "cannot run " + argv[0] + ": " + std::strerror(rc) +
                                    " (is it installed and in PATH?)");
  }
  return pid;
}

}  // namespace

Result<CommandResult> RunCommand(const std::vector<std::string>& argv, Millis timeout, Clock& clock,
                                 std::string_view input) {
  if (argv.empty() || argv[0].empty()) {
    return Fail(ErrorCode::kInvalidArgument, "empty command: argv[0] must name a program");
  }
  // stdin from an anonymous memory file: any size, no pipe to keep fed.
  int stdin_fd = -1;
  if (!input.empty()) {
    stdin_fd = memfd_create("firewatch-stdin", MFD_CLOEXEC);
    if (stdin_fd < 0 || !WriteAll(stdin_fd, input) || lseek(stdin_fd, 0, SEEK_SET) != 0) {
      const std::string why = std::strerror(errno);
      if (stdin_fd >= 0) close(stdin_fd);
      return Fail(ErrorCode::kIo, "cannot prepare the command's input: " + why);
    }
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (stdin_fd >= 0) close(stdin_fd);
    return Fail(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  auto pid = Spawn(argv, fds[1], fds[0], stdin_fd);
  close(fds[1]);
  if (stdin_fd >= 0) close(stdin_fd);
  if (!pid) {
    close(fds[0]);
    return Fail(pid.error());
  }
  CommandResult res;
  const Timestamp deadline = clock.Now() + timeout.count();
  int status = 0;
  bool eof = false;
  while (!eof) {
    const Timestamp left = deadline - clock.Now();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<Timestamp>(left, kPollSliceMs)));
    if (n <= 0) continue;
    char buf[4096];
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got <= 0) {
      eof = got == 0 || errno != EINTR;
      continue;
    }
    if (res.output.size() < kMaxOutput) {
      res.output.append(buf, std::min(static_cast<size_t>(got), kMaxOutput - res.output.size()));
    }
  }
  close(fds[0]);
  if (!eof || !WaitUntil(*pid, &status, clock, deadline)) {
    res.timed_out = true;
    Kill(*pid, &status, clock);
    return res;
  }
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

}  // namespace fw
