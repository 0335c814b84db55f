// Nesting limits of the Logs Insights parser: no query, however deeply
// nested, can overflow the stack of the parser or of the executor that
// walks its tree. Every construct that nests is attacked.

#include <gtest/gtest.h>

#include <string>

#include "logs/insights/parser.h"

namespace fw::logs::insights {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<std::pair<std::string, std::string>> NestedQueries(int n) {
  return {
      {"parentheses", "filter " + Repeat("(", n) + "a" + Repeat(")", n)},
      {"not", "filter " + Repeat("not ", n) + "a"},
      {"bang", "filter " + Repeat("!", n) + "a"},
      {"unary minus", "fields " + Repeat("-", n) + "a"},
      {"or chain", "filter a" + Repeat(" or a", n)},
      {"and chain", "filter a" + Repeat(" and a", n)},
      {"additive chain", "fields a" + Repeat(" + 1", n)},
      {"multiplicative chain", "fields a" + Repeat(" * 1", n)},
      {"power", "fields a" + Repeat(" ^ 1", n)},
      {"function calls", "fields " + Repeat("abs(", n) + "a" + Repeat(")", n)},
      {"stats argument", "stats sum(" + Repeat("(", n) + "a" + Repeat(")", n) + ")"},
  };
}

TEST(InsightsDepthTest, EveryNestingConstructIsRefusedPastTheLimit) {
  for (int n : {kMaxExprDepth + 1, 10'000, 100'000}) {
    for (const auto& [what, q] : NestedQueries(n)) {
      auto r = ParseQuery(q);
      ASSERT_FALSE(r) << what << " at depth " << n << " parsed";
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << what;
      EXPECT_NE(r.error().message().find("expression nested deeper than 128 levels"),
                std::string::npos)
          << what << ": " << r.error().ToString().substr(0, 200);
      EXPECT_EQ(r.error().where().line, 1) << what;
    }
  }
}

TEST(InsightsDepthTest, QueriesUnderTheLimitParse) {
  for (const auto& [what, q] : NestedQueries(kMaxExprDepth / 2 - 4)) {
    auto r = ParseQuery(q);
    EXPECT_TRUE(r) << what << ": " << (r ? "" : r.error().ToString().substr(0, 300));
  }
}

}  // namespace
}  // namespace fw::logs::insights
