#include "runbook/exec_adapter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/yaml_reader.h"
#include "runbook/runbook.h"

extern char** environ;

namespace fw::runbook {
namespace {

constexpr size_t kMaxOutput = 64 * 1024;
constexpr int kPollSliceMs = 50;
constexpr Timestamp kTermGraceMs = 2'000;

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

Result<pid_t> Spawn(const std::vector<std::string>& argv, int out_fd, int in_fd) {
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
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
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

Result<CommandResult> RunCommand(const std::vector<std::string>& argv, Millis timeout,
                                 Clock& clock) {
  if (argv.empty() || argv[0].empty()) {
    return Fail(ErrorCode::kInvalidArgument, "empty command: argv[0] must name a program");
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Fail(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  auto pid = Spawn(argv, fds[1], fds[0]);
  close(fds[1]);
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

Result<ExecActions> ParseExecActions(const std::string& yaml_text, const std::string& source_name) {
  auto doc = LoadYaml(yaml_text, source_name);
  if (!doc) return Fail(doc.error());
  YamlReader r(source_name);
  ExecActions out;
  out.file = source_name;
  if (r.Keys(*doc, "", {"defaults", "actions"})) {
    std::vector<std::pair<std::string, std::string>> defaults;
    r.StrMap(*doc, "", "defaults", defaults);
    for (auto& [k, v] : defaults) out.defaults[k] = v;
    const YAML::Node actions = YamlChild(*doc, "actions");
    if (!actions.IsDefined() || !actions.IsMap()) {
      r.Fail(actions.IsDefined() ? actions : *doc, "actions",
             "required: a mapping of action names to {argv, timeout}");
    } else {
      for (const auto& kv : actions) {
        const std::string name = kv.first.Scalar();
        const std::string path = "actions." + name;
        if (!FindAction(name)) r.Fail(kv.first, path, "not an action runbooks can name");
        if (!r.Keys(kv.second, path, {"argv", "timeout"})) continue;
        ExecTemplate t;
        std::vector<std::string> argv;
        r.StrList(kv.second, path, "argv", argv);
        r.Dur(kv.second, path, "timeout", t.timeout);
        if (argv.empty())
          r.Fail(kv.second, path + ".argv", "required: the program and its arguments");
        for (size_t i = 0; i < argv.size(); ++i) {
          auto part = Template::Parse(argv[i]);
          if (!part) {
            r.Fail(YamlChild(kv.second, "argv"), YamlReader::Index(path + ".argv", i),
                   part.error().message());
            continue;
          }
          t.argv.push_back(std::move(*part));
        }
        out.actions[name] = std::move(t);
      }
    }
  }
  if (!r.ok()) return Fail(r.errors().front());
  return out;
}

Result<ExecActions> LoadExecActions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(ErrorCode::kNotFound, "cannot read action file " + path + ": check --actions");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseExecActions(text.str(), path);
}

Result<std::vector<std::string>> ExecAdapter::Render(const ActionCall& call) const {
  auto it = actions_.actions.find(call.action);
  if (it == actions_.actions.end()) {
    return Fail(ErrorCode::kNotFound, "no argv template for action " + call.action + " in " +
                                          actions_.file + "; add one under actions:");
  }
  Vars vars = actions_.defaults;
  for (const auto& [k, v] : call.args) vars[k] = v;
  vars["action"] = call.action;
  std::vector<std::string> argv;
  for (const Template& t : it->second.argv) {
    auto s = t.Render(vars);
    if (!s) return Fail(s.error().WithContext(actions_.file + ": actions." + call.action));
    argv.push_back(std::move(*s));
  }
  return argv;
}

Result<ActionOutcome> ExecAdapter::Run(const ActionCall& call, bool dry_run) {
  auto argv = Render(call);
  if (!argv) return Fail(argv.error());
  ActionOutcome out;
  out.command = *argv;
  if (dry_run) {
    out.ok = true;
    return out;
  }
  const Millis timeout = actions_.actions.at(call.action).timeout;
  auto r = RunCommand(*argv, timeout, clock_);
  if (!r) return Fail(r.error());
  out.output = r->output;
  while (!out.output.empty() && out.output.back() == '\n') out.output.pop_back();
  if (r->timed_out) {
    out.output =
        "timed out after " + FormatDuration(timeout) + " and was killed; output: " + out.output;
  } else if (r->exit_code != 0) {
    out.output = "exit status " + std::to_string(r->exit_code) + ": " + out.output;
  }
  out.ok = !r->timed_out && r->exit_code == 0;
  out.effective_at = clock_.Now();
  return out;
}

}  // namespace fw::runbook
