#pragma once
// A fuzz target, written once and built two ways (tests/fuzz/README.md)::
//
//   FW_FUZZ_TARGET(promql) { ... data, size ...; return 0; }
//
// - into fuzz_replay_test (every target in one binary, `make test`, label
//   `fuzz`): the target registers itself under its name, and the driver
//   replays tests/fuzz/corpus/<name>/ and then mutates it for a few seconds;
// - with FW_FUZZ_STANDALONE defined (`make fuzz`: AFL++ through afl_main.cpp,
//   or libFuzzer where the compiler can build the project): the target is
//   the program's LLVMFuzzerTestOneInput.
//
// A target checks what must hold for any input (an error has a message and
// a location, what parses prints and parses back, limits hold) and calls
// FW_FUZZ_CHECK, which traps, when something does not.

#include <cstddef>
#include <cstdint>

#define FW_FUZZ_CHECK(cond)        \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

#ifdef FW_FUZZ_STANDALONE
#define FW_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#else
namespace fw::fuzz {
using TargetFn = int (*)(const uint8_t* data, size_t size);
// Called by FW_FUZZ_TARGET at static initialisation; returns true.
bool RegisterTarget(const char* name, TargetFn fn);
}  // namespace fw::fuzz
#define FW_FUZZ_TARGET(name)                                        \
  static int FwFuzzTarget_##name(const uint8_t* data, size_t size); \
  [[maybe_unused]] static const bool kFwFuzzRegistered_##name =     \
      ::fw::fuzz::RegisterTarget(#name, FwFuzzTarget_##name);       \
  static int FwFuzzTarget_##name(const uint8_t* data, size_t size)
#endif
