#include "common/labels.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

TEST(LabelSetTest, SortedUniqueAndEmptyMeansAbsent) {
  LabelSet s{{"route", "/checkout"}, {"instance", "i-1"}, {"route", "/cart"}};
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.labels()[0].name, "instance");
  EXPECT_EQ(s.Get("route"), "/cart");
  s.Set("instance", "");
  EXPECT_FALSE(s.Has("instance"));
  EXPECT_EQ(s.size(), 1u);
}

TEST(LabelSetTest, RendersWithEscaping) {
  LabelSet s{{"b", "x\"y\\z\nw"}, {"a", "1"}};
  EXPECT_EQ(s.ToString(), R"({a="1",b="x\"y\\z\nw"})");
  EXPECT_EQ(LabelSet{}.ToString(), "{}");
}

TEST(LabelSetTest, HashSeparatesNameFromValue) {
  LabelSet a{{"a", "bc"}};
  LabelSet b{{"ab", "c"}};
  EXPECT_NE(a.Hash(), b.Hash());
  EXPECT_EQ(a.Hash(), (LabelSet{{"a", "bc"}}).Hash());
}

TEST(LabelSetTest, FromPairsSortsAndLaterDuplicatesWin) {
  LabelSet s(std::vector<Label>{{"route", "/a"}, {"job", "shop"}, {"route", "/b"}, {"empty", ""}});
  EXPECT_EQ(s, (LabelSet{{"job", "shop"}, {"route", "/b"}}));
  EXPECT_EQ(s.Hash(), (LabelSet{{"route", "/b"}, {"job", "shop"}}).Hash());
  EXPECT_TRUE(LabelSet(std::vector<Label>{{"a", "1"}, {"a", ""}}).empty());
  EXPECT_TRUE(LabelSet(std::vector<Label>{}).empty());
}

TEST(LabelSetTest, CopiesShareUntilWritten) {
  LabelSet a{{"job", "shop"}, {"instance", "i-1"}};
  const uint64_t hash = a.Hash();
  LabelSet b = a;
  EXPECT_EQ(a.identity(), b.identity());
  b.Set("instance", "i-2");
  EXPECT_NE(a.identity(), b.identity());
  EXPECT_EQ(a.Get("instance"), "i-1") << "writing a copy must not change the original";
  EXPECT_EQ(a.Hash(), hash);
  EXPECT_NE(b.Hash(), hash) << "the cached hash is dropped on write";
  EXPECT_EQ(b.Hash(), (LabelSet{{"job", "shop"}, {"instance", "i-2"}}).Hash());
  b.Set("instance", "i-1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a <=> b, std::strong_ordering::equal);
  b.Set("job", "");
  b.Set("instance", "");
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b, LabelSet{});
  EXPECT_LT(LabelSet{}, a);
}

}  // namespace
}  // namespace fw
