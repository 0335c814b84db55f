// Replays the HTTP parser's fuzz target (tests/fuzz/http_parser_fuzz.cpp)
// over its seeds and deterministic mutations of them: flipped and cut bytes,
// spliced framing tokens, repeated pieces. The target traps on a crash, an
// error without a status, or a result that depends on how reads are cut.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<std::string> Seeds() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(FW_HTTP_SEEDS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

std::string Mutate(const std::string& in, std::mt19937& rng) {
  static const char* kTokens[] = {"\r\n",
                                  "\n",
                                  "\r",
                                  "\r\n\r\n",
                                  ": ",
                                  " ",
                                  "0\r\n",
                                  "ffff",
                                  "chunked",
                                  "Content-Length: 99\r\n",
                                  "Transfer-Encoding: chunked\r\n",
                                  "\x1f\x8b",
                                  ";",
                                  ","};
  std::string s = in;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && s.size() > 1; ++e) {
    const size_t pos = 1 + rng() % (s.size() - 1);  // byte 0 is the read size
    switch (rng() % 5) {
      case 0:
        s[pos] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s.resize(pos);
        break;
      case 2:
        s.insert(pos, kTokens[rng() % std::size(kTokens)]);
        break;
      case 3:
        s.erase(pos, 1 + rng() % 8);
        break;
      default:
        s.insert(pos, s.substr(1 + rng() % (s.size() - 1), 1 + rng() % 40));
    }
  }
  return s;
}

TEST(HttpParserFuzzTest, SeedsAndMutationsNeverCrashOrDependOnReadSizes) {
  const std::vector<std::string> seeds = Seeds();
  ASSERT_GE(seeds.size(), 5u) << FW_HTTP_SEEDS;
  std::mt19937 rng(20261125);
  int cases = 0;
  for (const std::string& seed : seeds) {
    for (int read_size = 0; read_size < 32; ++read_size, ++cases) {
      std::string s = seed;
      s[0] = static_cast<char>(read_size);
      Feed(s);
    }
    for (int i = 0; i < 400; ++i, ++cases) Feed(Mutate(seed, rng));
  }
  EXPECT_GT(cases, 2000);
}

}  // namespace
