#include "metrics/ingest/vanished_series.h"

#include <gtest/gtest.h>

namespace fw::metrics::ingest {
namespace {

LabelSet Heap(const std::string& instance) {
  return LabelSet({{"__name__", "jvm_memory_used_bytes"}, {"instance", instance}});
}

TEST(VanishedSeriesTest, ReportsWhatTheLastScrapeHadAndThisOneLacks) {
  VanishedSeries v;
  v.Seen(Heap("a"));
  v.Seen(Heap("b"));
  EXPECT_TRUE(v.EndScrape().empty()) << "the first scrape has nothing to lose";
  v.Seen(Heap("a"));
  v.Seen(Heap("c"));  // b was removed, c added
  const std::vector<LabelSet> gone = v.EndScrape();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0], Heap("b"));
  v.Seen(Heap("a"));
  v.Seen(Heap("c"));
  EXPECT_TRUE(v.EndScrape().empty()) << "b is reported once, not at every scrape";
  const std::vector<LabelSet> all = v.EndScrape();  // an empty scrape: the target is gone
  EXPECT_EQ(all.size(), 2u);
}

}  // namespace
}  // namespace fw::metrics::ingest
