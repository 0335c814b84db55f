#include "metrics/tsdb/index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fw::metrics::tsdb {
namespace {

LabelMatcher Eq(std::string n, std::string v) { return {MatchType::kEqual, n, v}; }
LabelMatcher Ne(std::string n, std::string v) { return {MatchType::kNotEqual, n, v}; }
LabelMatcher Re(std::string n, std::string v) { return {MatchType::kRegexMatch, n, v}; }
LabelMatcher Nre(std::string n, std::string v) { return {MatchType::kRegexNoMatch, n, v}; }

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // refs 0..5
    Add({{"__name__", "up"}, {"job", "api"}, {"instance", "a:9100"}});
    Add({{"__name__", "up"}, {"job", "api"}, {"instance", "b:9100"}});
    Add({{"__name__", "up"}, {"job", "db"}, {"instance", "c:9100"}});
    Add({{"__name__", "up"}, {"instance", "d:9100"}});  // no job label
    Add({{"__name__", "http_requests_total"}, {"job", "api"}, {"path", "/x\ny"}});
    Add({{"__name__", "http_requests_total"}, {"job", "apiserver"}});
  }
  void Add(LabelSet ls) { index_.GetOrCreate(ls); }
  std::vector<SeriesRef> Sel(const std::vector<LabelMatcher>& m) {
    Result<std::vector<SeriesRef>> r = index_.Select(m);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
    return r.value_or(std::vector<SeriesRef>{});
  }
  Index index_;
};

using Refs = std::vector<SeriesRef>;

TEST_F(IndexTest, GetOrCreateIsIdempotent) {
  bool created = true;
  EXPECT_EQ(
      index_.GetOrCreate({{"__name__", "up"}, {"job", "db"}, {"instance", "c:9100"}}, &created),
      2u);
  EXPECT_FALSE(created);
  EXPECT_EQ(index_.GetOrCreate({{"__name__", "new"}}, &created), 6u);
  EXPECT_TRUE(created);
  EXPECT_EQ(index_.NumSeries(), 7u);
  EXPECT_EQ(index_.Labels(6).Get("__name__"), "new");
}

TEST(IndexCollisionTest, EqualHashesStillGiveDistinctSeries) {
  Index idx([](const LabelSet&) { return uint64_t{42}; });
  const SeriesRef a = idx.GetOrCreate({{"a", "1"}});
  const SeriesRef b = idx.GetOrCreate({{"a", "2"}});
  const SeriesRef c = idx.GetOrCreate({{"b", "1"}});
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(idx.GetOrCreate({{"a", "2"}}), b);
  EXPECT_EQ(idx.GetOrCreate({{"b", "1"}}), c);
  EXPECT_EQ(idx.Find({{"a", "1"}}), a);
  EXPECT_FALSE(idx.Find({{"a", "3"}}).has_value());
  EXPECT_EQ(idx.NumSeries(), 3u);
}

TEST(IndexCollisionTest, RemoveKeepsCollidingSeriesFindable) {
  Index idx([](const LabelSet&) { return uint64_t{42}; });
  const SeriesRef a = idx.GetOrCreate({{"a", "1"}});
  const SeriesRef b = idx.GetOrCreate({{"a", "2"}});
  const SeriesRef c = idx.GetOrCreate({{"b", "1"}});
  idx.Remove(a);  // the first of the hash: a colliding one takes its place
  EXPECT_FALSE(idx.Find({{"a", "1"}}).has_value());
  EXPECT_EQ(idx.Find({{"a", "2"}}), b);
  EXPECT_EQ(idx.Find({{"b", "1"}}), c);
  idx.Remove(c);
  EXPECT_EQ(idx.Find({{"a", "2"}}), b);
  EXPECT_EQ(idx.Select({}).value(), Refs{b});
  EXPECT_EQ(idx.LabelNames(), std::vector<std::string>{"a"});
  const SeriesRef again = idx.GetOrCreate({{"a", "1"}});
  EXPECT_EQ(again, 3u);  // refs are never reused
  EXPECT_EQ(idx.Select({{MatchType::kEqual, "a", "1"}}).value(), Refs{again});
}

struct MatcherCase {
  const char* what;
  std::vector<LabelMatcher> matchers;
  Refs want;
};

TEST_F(IndexTest, MatcherSemanticsTable) {
  const std::vector<MatcherCase> cases = {
      {"no matchers: everything", {}, {0, 1, 2, 3, 4, 5}},
      {"equality", {Eq("job", "api")}, {0, 1, 4}},
      {"equality intersect", {Eq("__name__", "up"), Eq("job", "api")}, {0, 1}},
      {"unknown value", {Eq("job", "nope")}, {}},
      {"unknown name", {Eq("nope", "x")}, {}},
      {"= \"\" selects series lacking the label", {Eq("__name__", "up"), Eq("job", "")}, {3}},
      {"!= keeps series lacking the label", {Eq("__name__", "up"), Ne("job", "api")}, {2, 3}},
      {"!= \"\" means label present", {Ne("job", "")}, {0, 1, 2, 4, 5}},
      {"regex is anchored (no prefix match)", {Re("job", "api")}, {0, 1, 4}},
      {"regex is anchored (no substring)", {Re("job", "pis")}, {}},
      {"regex prefix", {Re("job", "api.*")}, {0, 1, 4, 5}},
      {"regex alternation anchored as a whole", {Re("job", "db|api")}, {0, 1, 2, 4}},
      {"regex matching empty includes missing label",
       {Eq("__name__", "up"), Re("job", "db|")},
       {2, 3}},
      {"regex .* matches everything, label or not", {Re("job", ".*")}, {0, 1, 2, 3, 4, 5}},
      {"regex .+ requires the label", {Re("job", ".+")}, {0, 1, 2, 4, 5}},
      {"!~ drops matching values, keeps missing",
       {Eq("__name__", "up"), Nre("job", "a.*")},
       {2, 3}},
      {"!~ .+ selects only series lacking the label", {Nre("job", ".+")}, {3}},
      {"!~ \"\" means label present", {Nre("job", "")}, {0, 1, 2, 4, 5}},
      {"dot matches newline", {Re("path", "/x.y")}, {4}},
      {"regex on unknown name matching empty", {Re("nope", "x|")}, {0, 1, 2, 3, 4, 5}},
      {"regex on unknown name not matching empty", {Re("nope", "x")}, {}},
      {"literal regex fast path", {Re("instance", "c:9100")}, {2}},
      {"negated literal regex", {Eq("__name__", "up"), Nre("instance", "c:9100")}, {0, 1, 3}},
      {"character class", {Re("instance", "[ab]:9100")}, {0, 1}},
      {"empty intersection short-circuits", {Eq("job", "db"), Eq("instance", "a:9100")}, {}},
  };
  for (const MatcherCase& c : cases) EXPECT_EQ(Sel(c.matchers), c.want) << c.what;
}

TEST_F(IndexTest, InvalidRegexIsAnError) {
  Result<std::vector<SeriesRef>> r = index_.Select({Re("job", "a(b")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("a(b"), std::string::npos) << r.error().message();
}

TEST_F(IndexTest, LabelNamesAndValues) {
  EXPECT_EQ(index_.LabelNames(), (std::vector<std::string>{"__name__", "instance", "job", "path"}));
  EXPECT_EQ(*index_.LabelValues("job"), (std::vector<std::string>{"api", "apiserver", "db"}));
  EXPECT_EQ(*index_.LabelValues("job", {Eq("__name__", "up")}),
            (std::vector<std::string>{"api", "db"}));
  EXPECT_TRUE(index_.LabelValues("nope")->empty());
  EXPECT_FALSE(index_.LabelValues("job", {Re("x", "(")}).has_value());
}

TEST_F(IndexTest, MemoryEstimateGrowsWithSeries) {
  const size_t before = index_.MemoryBytes();
  for (int i = 0; i < 100; ++i) Add({{"__name__", "m"}, {"i", std::to_string(i)}});
  EXPECT_GT(index_.MemoryBytes(), before + 100 * 50);
}

}  // namespace
}  // namespace fw::metrics::tsdb
