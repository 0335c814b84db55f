// Replays deterministic mutations of valid expositions through the fuzz
// target (text_parser_fuzz.cpp): flipped bytes, cut bodies, inserted tokens
// and spliced lines. Under the ASan build this is the parser's crash and
// out-of-bounds check; here it also checks that mutations are mostly caught.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/rng.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> kSeeds = {
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "# TYPE h histogram\nh_bucket{le=\"0.05\"} 24054\nh_bucket{le=\"+Inf\"} 144320\n"
      "h_sum 53423\nh_count 144320\n"
      "# TYPE s summary\ns{quantile=\"0.5\"} 4773\ns_sum 1.7560473e+07\ns_count 2693\n",
      "# TYPE foo counter\n# HELP foo Help \\\"q\\\" \\\\ \\n.\n# UNIT foo_seconds seconds\n"
      "foo_total{a=\"1\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
      "foo_created{a=\"1\"} 1520430000.123\n"
      "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1 # {id=\"x\"} 0.5 1.5\n"
      "h_count 1\nh_sum 0.5\n# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\n"
      "# TYPE i info\ni_info{version=\"1\"} 1\n# TYPE u unknown\nu{a=\"\xc3\xa9\"} NaN -1.5\n"
      "# EOF\n",
  };
  return kSeeds;
}

std::string Mutate(const std::string& in, fw::sim::Rng& rng) {
  static const char* kTokens[] = {"{",
                                  "}",
                                  "\"",
                                  "\\",
                                  "=",
                                  ",",
                                  " ",
                                  "\t",
                                  "\n",
                                  "# ",
                                  "#",
                                  "# EOF",
                                  "+Inf",
                                  "NaN",
                                  "1e",
                                  "-",
                                  "1e999",
                                  "\xff",
                                  "\xc3",
                                  "le=\"",
                                  "a=\"1\"",
                                  "\r",
                                  "9999999999999999999999",
                                  "\\n",
                                  "# TYPE x counter\n"};
  std::string s = in;
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
        s.insert(pos, kTokens[rng.Below(std::size(kTokens))]);
        break;
      case 3:
        s.erase(pos, 1 + rng.Below(8));
        break;
      default: {
        const size_t other = rng.Below(s.size());
        s.insert(pos, s.substr(other, 1 + rng.Below(60)));
      }
    }
  }
  return s;
}

TEST(TextParserMutationTest, MutatedExpositionsNeverCrash) {
  fw::sim::Rng rng(20261125);
  int cases = 0;
  for (const std::string& seed : Seeds()) {
    Feed(seed);
    for (int i = 0; i < 10000; ++i, ++cases) Feed(Mutate(seed, rng));
    // Every prefix: truncation at each byte, including inside escapes.
    for (size_t n = 0; n <= seed.size(); ++n, ++cases) Feed(seed.substr(0, n));
  }
  for (const char* edge : {"", "\n", "#", "# EOF", "{", "x{", "x{a", "x{a=", "x{a=\"", "x{a=\"\\",
                           "x 1 # {", "x 1 # {a=\"1\"} ", "\xff\xfe", "# TYPE", "# HELP x \\"}) {
    Feed(edge);
  }
  // One long line with many labels and long escaped values.
  std::string big = "x{";
  for (int i = 0; i < 2000; ++i) big += "l" + std::to_string(i) + "=\"v\\\\\\n\\\"" + "\",";
  Feed(big + "} 1\n");
  Feed(big + "} 1 # {a=\"b\"} 1\n# EOF\n");
  EXPECT_GT(cases, 20000);
}

}  // namespace
