// Properties over every query of the conformance suite: the canonical form
// re-parses to itself, and no prefix or corruption of a query crashes the
// parser (the architecture's "bad input never crashes").
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "metrics/promql/parser.h"
#include "metrics/promql/test_script.h"

namespace fw::metrics::promql {
namespace {

std::vector<std::string> AllQueries() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(FW_PROMQL_CONFORMANCE_DIR)) {
    if (entry.path().extension() != ".test") continue;
    auto script = ReadTestScript(entry.path().string());
    if (!script) continue;
    for (const auto& cmd : script->commands) {
      if (const auto* e = std::get_if<EvalCommand>(&cmd)) out.push_back(e->query);
    }
  }
  return out;
}

TEST(RobustnessTest, CanonicalFormRoundTrips) {
  int checked = 0;
  for (const auto& q : AllQueries()) {
    auto e = ParseExpr(q);
    if (!e) continue;
    const std::string once = Format(**e);
    auto again = ParseExpr(once);
    ASSERT_TRUE(again) << q << "\n  formatted: " << once << "\n  " << again.error().ToString();
    EXPECT_EQ(Format(**again), once) << q;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

TEST(RobustnessTest, PrefixesAndMutationsNeverCrash) {
  std::mt19937 rng(42);
  const std::string alphabet = "(){}[],:@=!~+-*/%^<>\"'`#\\ \n0123456789.eExmhsabyonfgu_";
  int parsed = 0;
  for (const auto& q : AllQueries()) {
    for (size_t n = 0; n <= q.size(); ++n) parsed += ParseExpr(q.substr(0, n)).has_value();
    for (int k = 0; k < 8; ++k) {
      std::string m = q;
      if (m.empty()) break;
      m[rng() % m.size()] = alphabet[rng() % alphabet.size()];
      if (auto e = ParseExpr(m)) {
        EXPECT_TRUE(ParseExpr(Format(**e))) << m;
      }
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace fw::metrics::promql
