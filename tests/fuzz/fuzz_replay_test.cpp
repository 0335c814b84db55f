// The driver of every fuzz target in `make test` (label `fuzz`): for each
// target, replays its seed corpus (tests/fuzz/corpus/<target>/), then runs
// mutations of the seeds for FW_FUZZ_SECONDS seconds (default 2): flipped,
// inserted and deleted bytes, repeated and spliced runs, and tokens that
// break parsers (brackets, quotes, escapes, invalid UTF-8, huge numbers). The
// mutations are deterministic for a given number of executions. A target that
// traps or crashes leaves its input in fuzz-crash-<target> in the working
// directory (ctest: the build's tests/fuzz), ready for the standalone build:
//   build-fuzz/tests/fuzz/<target>_fuzz fuzz-crash-<target>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace fw::fuzz {

namespace {

std::map<std::string, TargetFn>& Targets() {
  static std::map<std::string, TargetFn> targets;
  return targets;
}

// The input being run, written out by the crash handler.
const std::string* g_current = nullptr;
char g_crash_path[256] = "";

void SaveInput() {
  if (g_current && g_crash_path[0]) {
    const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] ssize_t n = ::write(fd, g_current->data(), g_current->size());
      ::close(fd);
    }
    const char msg[] = "\nfuzz target crashed; input written to fuzz-crash-<target>\n";
    [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
  }
}

void OnCrash(int sig) {
  SaveInput();
  signal(sig, SIG_DFL);
  raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
extern "C" void __sanitizer_set_death_callback(void (*callback)(void));
#endif

// A trap (a target's check) comes here first; under ASan, whose handlers
// report memory errors, its death callback saves the input instead.
void InstallCrashHandlers() {
#ifdef __SANITIZE_ADDRESS__
  __sanitizer_set_death_callback(SaveInput);
  signal(SIGILL, OnCrash);
#else
  for (int sig : {SIGILL, SIGSEGV, SIGABRT, SIGBUS, SIGFPE}) signal(sig, OnCrash);
#endif
}

const char* const kTokens[] = {
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "{{",
    "}}",
    "\"",
    "'",
    "`",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    ",",
    ":",
    ": ",
    "- ",
    "&a",
    "*a",
    "!!",
    "|",
    "#",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "NaN",
    "Inf",
    "0x",
    "9999999999999999999",
    "\xff",
    "\xc0\x80",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\x00",
    "%",
    "%!",
    "=~",
    "!~",
    "offset",
    "by",
    "[5m:1s]",
    "@",
    "null",
    "true",
    "[]",
    "{}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "---",
    "...",
    ".",
    "$",
    "{{ .x }}",
};

std::vector<std::string> ReadCorpus(const std::filesystem::path& dir) {
  std::vector<std::string> seeds;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    seeds.push_back(buf.str());
  }
  return seeds;
}

class Mutator {
 public:
  explicit Mutator(const std::vector<std::string>& seeds) : seeds_(seeds), rng_(20261206) {}

  std::string Next() {
    // Now and then keep mutating the last mutant, to go deeper.
    std::string s = !last_.empty() && Below(4) == 0 ? last_ : seeds_[Below(seeds_.size())];
    const size_t edits = 1 + Below(4);
    for (size_t e = 0; e < edits; ++e) Edit(s);
    if (s.size() > 64 << 10) s.resize(64 << 10);
    last_ = s;
    return s;
  }

 private:
  size_t Below(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  void Edit(std::string& s) {
    const size_t pos = Below(s.size() + 1);
    switch (Below(8)) {
      case 0:
        if (!s.empty()) s[std::min(pos, s.size() - 1)] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:
        s.insert(pos, 1, static_cast<char>(Below(256)));
        break;
      case 2:
        s.erase(pos, 1 + Below(8));
        break;
      case 3: {  // repeat a run: nesting and long lines
        const size_t len = 1 + Below(16);
        const std::string run = s.substr(pos, len);
        const size_t times = 1 + Below(Below(2) ? 4 : 300);
        std::string rep;
        for (size_t i = 0; i < times; ++i) rep += run;
        s.insert(pos, rep);
        break;
      }
      case 4:
      case 5: {
        const char* tok = kTokens[Below(std::size(kTokens))];
        s.insert(pos, tok, std::max<size_t>(1, std::char_traits<char>::length(tok)));
        break;
      }
      case 6: {  // splice from another seed
        const std::string& other = seeds_[Below(seeds_.size())];
        const size_t from = Below(other.size() + 1);
        s.insert(pos, other.substr(from, 1 + Below(64)));
        break;
      }
      default:
        s.resize(pos);
    }
  }

  const std::vector<std::string>& seeds_;
  std::mt19937_64 rng_;
  std::string last_;
};

double Seconds() {
  const char* env = std::getenv("FW_FUZZ_SECONDS");
  return env && *env ? std::atof(env) : 2.0;
}

}  // namespace

bool RegisterTarget(const char* name, TargetFn fn) {
  Targets()[name] = fn;
  return true;
}

namespace {

class FuzzTargetTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzTargetTest, SeedsAndMutationsNeverCrash) {
  const std::string& name = GetParam();
  const TargetFn fn = Targets().at(name);
  const std::vector<std::string> seeds = ReadCorpus(std::filesystem::path(FW_FUZZ_CORPUS) / name);
  ASSERT_GE(seeds.size(), 3u) << "tests/fuzz/corpus/" << name << " needs seeds";
  std::snprintf(g_crash_path, sizeof g_crash_path, "fuzz-crash-%s", name.c_str());
  InstallCrashHandlers();
  auto run = [&](const std::string& input) {
    g_current = &input;
    fn(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    g_current = nullptr;
  };
  for (const std::string& seed : seeds) run(seed);
  Mutator mutator(seeds);
  const auto start = std::chrono::steady_clock::now();
  const auto budget = std::chrono::duration<double>(Seconds());
  size_t executions = seeds.size();
  while (std::chrono::steady_clock::now() - start < budget) {
    run(mutator.Next());
    ++executions;
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ fuzz ] %s: %zu seeds, %zu executions in %.1f s\n", name.c_str(), seeds.size(),
              executions, took);
  EXPECT_GT(executions, seeds.size());
}

std::vector<std::string> TargetNames() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : Targets()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzTargetTest, ::testing::ValuesIn(TargetNames()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace fw::fuzz
