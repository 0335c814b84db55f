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

}  // namespace
}  // namespace fw
