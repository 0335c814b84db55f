// Replays deterministic mutations of every built-in scenario through the
// fuzz target: flipped bytes, cut files, spliced lines and extreme numbers.

#include <gtest/gtest.h>

#include <string>

#include "sim/builtin_scenarios.h"
#include "sim/rng.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string Mutate(const std::string& in, fw::sim::Rng& rng) {
  std::string s = in;
  static const char* kValues[] = {"-1", "0", "1e308", "nan", "99999999999", "[", "{", "\"", "1ms",
                                  "0s", "~", "*a",    "&a",  "!!binary x",  "\t"};
  const int edits = 1 + static_cast<int>(rng.Below(4));
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t pos = rng.Below(s.size());
    switch (rng.Below(5)) {
      case 0:
        s[pos] = static_cast<char>(rng.Below(256));
        break;
      case 1:
        s.resize(pos);
        break;
      case 2:
        s.insert(pos, kValues[rng.Below(std::size(kValues))]);
        break;
      case 3: {
        // Replace a number that follows ": " with an extreme value.
        const size_t colon = s.find(": ", pos);
        if (colon != std::string::npos) {
          const size_t end = s.find_first_of(",}\n", colon + 2);
          s.replace(colon + 2, end == std::string::npos ? 0 : end - colon - 2,
                    kValues[rng.Below(std::size(kValues))]);
        }
        break;
      }
      default: {
        const size_t other = rng.Below(s.size());
        s.insert(pos, s.substr(other, 40));
      }
    }
  }
  return s;
}

TEST(ScenarioFuzzTest, MutatedBuiltinScenariosNeverCrash) {
  fw::sim::Rng rng(20261125);
  int cases = 0;
  for (const auto& f : fw::sim::BuiltinScenarioFiles()) {
    Feed(f.content);
    for (int i = 0; i < 150; ++i, ++cases) Feed(Mutate(f.content, rng));
  }
  for (const char* edge : {"", "\n", "---", "name: x", "name: x\nduration: 1ms\nstep: 1ms",
                           "name: [", "name: x\nevents: 3", "name: x\nenvironment: 7",
                           "name: x\nenvironment: {instances: 1000}\ntraffic: {rps: 1000000}"}) {
    Feed(edge);
  }
  EXPECT_GT(cases, 1000);
}

}  // namespace
