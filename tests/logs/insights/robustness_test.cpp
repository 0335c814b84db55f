// Bad input never crashes: every prefix and many random byte edits of the
// suite's queries either parse or fail with a located error, and whatever
// parses also runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "logs/event_source.h"
#include "logs/insights/executor.h"
#include "logs/insights/parser.h"

namespace fw::logs::insights {
namespace {

std::vector<std::string> SuiteQueries() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(FW_INSIGHTS_TESTDATA)) {
    std::ifstream in(e.path());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] != "query" && lines[i] != "error") continue;
      std::string q;
      for (size_t j = i + 1; j < lines.size() && lines[j] != "----" && !lines[j].empty(); ++j) {
        q += (q.empty() ? "" : "\n") + lines[j];
      }
      out.push_back(q);
    }
  }
  return out;
}

std::vector<LogEvent> SomeEvents() {
  std::vector<LogEvent> events;
  for (const char* line :
       {R"({"@timestamp":"2026-01-15T14:00:00Z","a":1,"b":"x","status":500,"latency":3})",
        R"({"@timestamp":"2026-01-15T14:01:00Z","a":"2","route":"/","user":"u"})",
        "2026-01-15T14:02:00Z plain user=bob, method:GET, latency := 5"}) {
    events.push_back(DecodeLine(line, 0));
  }
  return events;
}

void CheckOne(const std::string& q, int& parsed) {
  auto r = ParseQuery(q);
  if (!r) {
    EXPECT_GT(r.error().where().line, 0) << q;
    EXPECT_GT(r.error().where().column, 0) << q;
    return;
  }
  ++parsed;
  VectorEventSource src(SomeEvents());
  ManualClock clock;
  QueryLimits limits;
  limits.max_rows = 1000;
  (void)Execute(*r, src, {}, clock, limits);  // may fail on limits, must not crash
}

TEST(RobustnessTest, PrefixesAndMutationsNeverCrash) {
  const std::vector<std::string> queries = SuiteQueries();
  ASSERT_GT(queries.size(), 150u);
  std::mt19937 rng(20260115);
  const std::string alphabet = "|,()[]\"'`/\\#*=!<>~+-%^@. \n0123456789abcdefsmhy?:{}";
  int parsed = 0, tried = 0;
  for (const std::string& q : queries) {
    for (size_t n = 0; n <= q.size(); ++n) CheckOne(q.substr(0, n), parsed), ++tried;
    for (int k = 0; k < 20 && !q.empty(); ++k) {
      std::string m = q;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % (m.size() + 1);
        switch (rng() % 3) {
          case 0:
            if (at < m.size()) m[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            m.insert(m.begin() + static_cast<ptrdiff_t>(at), alphabet[rng() % alphabet.size()]);
            break;
          default:
            if (at < m.size()) m.erase(at, 1);
        }
      }
      CheckOne(m, parsed);
      ++tried;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(tried, 5000);
}

TEST(RobustnessTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string q(rng() % 40, '\0');
    for (char& c : q) c = static_cast<char>(rng() % 256);
    CheckOne(q, parsed);
  }
}

}  // namespace
}  // namespace fw::logs::insights
