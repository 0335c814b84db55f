#include "metrics/tsdb/head.h"

#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <thread>
#include <vector>

namespace fw::metrics::tsdb {
namespace {

const LabelSet kUp{{"__name__", "up"}, {"job", "api"}};

std::vector<Sample> Drain(SeriesIterator& it) {
  std::vector<Sample> out;
  while (it.Next()) out.push_back(it.At());
  return out;
}

std::vector<Sample> All(const Head& h, const LabelSet& ls, Timestamp mint = INT64_MIN,
                        Timestamp maxt = INT64_MAX) {
  std::vector<LabelMatcher> m;
  for (const Label& l : ls.labels()) m.push_back({MatchType::kEqual, l.name, l.value});
  Result<std::vector<Series>> r = h.Select(m, mint, maxt);
  EXPECT_TRUE(r.has_value());
  if (!r || r->empty()) return {};
  EXPECT_EQ(r->size(), 1u);
  return Drain((*r)[0].samples);
}

TEST(HeadTest, AppendAndReadBack) {
  Head h;
  Result<SeriesRef> ref = h.Append(kUp, 1000, 1);
  ASSERT_TRUE(ref.has_value());
  ASSERT_TRUE(h.Append(*ref, 2000, 0).has_value());
  ASSERT_TRUE(h.Append(kUp, 3000, 1).has_value());
  const std::vector<Sample> got = All(h, kUp);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].t, 2000);
  EXPECT_EQ(got[1].v, 0);
  EXPECT_EQ(h.Stats().num_samples, 3u);
}

TEST(HeadTest, RejectsEmptyLabelsAndUnknownRefs) {
  Head h;
  EXPECT_EQ(h.Append(LabelSet{}, 1, 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(h.Append(SeriesRef{7}, 1, 1).error().code(), ErrorCode::kNotFound);
}

TEST(HeadTest, OutOfOrderAndDuplicates) {
  Head h;
  ASSERT_TRUE(h.Append(kUp, 1000, 1).has_value());
  ASSERT_TRUE(h.Append(kUp, 2000, 5).has_value());

  Result<SeriesRef> ooo = h.Append(kUp, 1500, 1);
  ASSERT_FALSE(ooo.has_value());
  EXPECT_EQ(ooo.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(ooo.error().message().find("out-of-order"), std::string::npos);
  EXPECT_NE(ooo.error().message().find("job=\"api\""), std::string::npos)
      << "errors name the series: " << ooo.error().message();

  EXPECT_TRUE(h.Append(kUp, 2000, 5).has_value()) << "same t, same value: ignored";
  Result<SeriesRef> dup = h.Append(kUp, 2000, 6);
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().message().find("duplicate"), std::string::npos);

  const HeadStats st = h.Stats();
  EXPECT_EQ(st.out_of_order_total, 1u);
  EXPECT_EQ(st.duplicate_total, 1u);
  EXPECT_EQ(st.num_samples, 2u) << "rejected and ignored samples are not stored";
  EXPECT_EQ(All(h, kUp).size(), 2u);
}

TEST(HeadTest, DuplicateCheckComparesBitsSoNaNRepeatsAreIgnored) {
  Head h;
  ASSERT_TRUE(h.Append(kUp, 1000, StaleNaN()).has_value());
  EXPECT_TRUE(h.Append(kUp, 1000, StaleNaN()).has_value());
  EXPECT_FALSE(h.Append(kUp, 1000, std::numeric_limits<double>::quiet_NaN()).has_value())
      << "a different NaN is a different value";
  EXPECT_FALSE(h.Append(kUp, 1000, 0.0).has_value());
}

TEST(HeadTest, StalenessMarkersAreStoredAsIs) {
  Head h;
  ASSERT_TRUE(h.Append(kUp, 1000, 1).has_value());
  ASSERT_TRUE(h.Append(kUp, 2000, StaleNaN()).has_value());
  ASSERT_TRUE(h.Append(kUp, 3000, -0.0).has_value());
  const std::vector<Sample> got = All(h, kUp);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(IsStaleNaN(got[1].v));
  EXPECT_EQ(std::bit_cast<uint64_t>(got[2].v), std::bit_cast<uint64_t>(-0.0));
}

TEST(HeadTest, SelectRangeSpansChunksAndSeeks) {
  Head h(Head::Options{.max_samples_per_chunk = 10});
  for (int i = 0; i < 95; ++i) ASSERT_TRUE(h.Append(kUp, i * 100, i).has_value());
  EXPECT_EQ(h.Stats().num_chunks, 10u);  // 9 sealed + 1 open

  const std::vector<Sample> mid = All(h, kUp, 1050, 3000);  // across chunk edges
  ASSERT_EQ(mid.size(), 20u);
  EXPECT_EQ(mid.front().t, 1100);
  EXPECT_EQ(mid.back().t, 3000);  // maxt is inclusive

  Result<std::vector<Series>> r = h.Select({{MatchType::kEqual, "job", "api"}}, 1000, 8000);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  SeriesIterator& it = (*r)[0].samples;
  ASSERT_TRUE(it.Seek(0));  // clamped to mint
  EXPECT_EQ(it.At().t, 1000);
  ASSERT_TRUE(it.Seek(4550));  // skips whole chunks
  EXPECT_EQ(it.At().t, 4600);
  ASSERT_TRUE(it.Seek(4000));  // backwards: stays
  EXPECT_EQ(it.At().t, 4600);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.At().t, 4700);
  ASSERT_TRUE(it.Seek(8000));
  EXPECT_EQ(it.At().v, 80);
  EXPECT_FALSE(it.Next()) << "maxt is inclusive and final";
  EXPECT_FALSE(it.Seek(9000));
}

TEST(HeadTest, SelectSkipsSeriesWithoutSamplesInRange) {
  Head h;
  ASSERT_TRUE(h.Append({{"__name__", "a"}}, 100, 1).has_value());
  ASSERT_TRUE(h.Append({{"__name__", "b"}}, 5000, 1).has_value());
  Result<std::vector<Series>> r = h.Select({}, 1000, 9000);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].labels.Get("__name__"), "b");
  EXPECT_TRUE(h.Select({}, 10, 5)->empty()) << "mint > maxt selects nothing";
  EXPECT_FALSE(h.Select({{MatchType::kRegexMatch, "x", "("}}, 0, 1).has_value());
}

TEST(HeadTest, SnapshotIsUnaffectedByLaterAppends) {
  Head h;
  ASSERT_TRUE(h.Append(kUp, 1, 1).has_value());
  Result<std::vector<Series>> r = h.Select({}, 0, 1000);
  ASSERT_TRUE(h.Append(kUp, 2, 2).has_value());
  EXPECT_EQ(Drain((*r)[0].samples).size(), 1u);
}

TEST(HeadTest, LabelNamesValuesAndStats) {
  Head h;
  for (int i = 0; i < 50; ++i) {
    LabelSet ls{{"__name__", "m"}, {"i", std::to_string(i)}};
    for (int k = 0; k < 200; ++k) ASSERT_TRUE(h.Append(ls, k * 15'000, k).has_value());
  }
  EXPECT_EQ(h.LabelNames(), (std::vector<std::string>{"__name__", "i"}));
  EXPECT_EQ(h.LabelValues("i")->size(), 50u);
  const HeadStats st = h.Stats();
  EXPECT_EQ(st.num_series, 50u);
  EXPECT_EQ(st.num_samples, 10'000u);
  EXPECT_EQ(st.num_chunks, 100u);
  EXPECT_GT(st.BytesPerSample(), 0.1);
  EXPECT_LT(st.BytesPerSample(), 4.0);
  EXPECT_GT(st.BytesPerSeries(), 100.0);
}

// A scrape thread appends while query threads select and iterate; run under
// ASan/TSan to catch races. Checks every snapshot is time-ordered.
TEST(HeadConcurrencyTest, AppendWhileQuerying) {
  Head h(Head::Options{.max_samples_per_chunk = 16});
  constexpr int kSeries = 20;
  constexpr int kSteps = 400;
  std::atomic<bool> done{false};
  std::atomic<int> reader_rounds{0};
  std::thread writer([&] {
    // Start once a reader is running, so appends and queries really overlap.
    while (reader_rounds.load() == 0) std::this_thread::yield();
    for (int step = 0; step < kSteps; ++step) {
      for (int s = 0; s < kSeries; ++s) {
        LabelSet ls{{"__name__", "m"}, {"s", std::to_string(s)}};
        ASSERT_TRUE(h.Append(ls, step * 1000, step).has_value());
      }
    }
    done = true;
  });
  auto reader = [&] {
    int rounds = 0;
    while (!done || rounds < 3) {
      ++rounds;
      reader_rounds.fetch_add(1);
      Result<std::vector<Series>> r =
          h.Select({{MatchType::kRegexMatch, "s", "1.*"}}, 0, kSteps * 1000);
      ASSERT_TRUE(r.has_value());
      for (Series& s : *r) {
        Timestamp last = -1;
        while (s.samples.Next()) {
          ASSERT_GT(s.samples.At().t, last);
          ASSERT_EQ(s.samples.At().v * 1000, s.samples.At().t);
          last = s.samples.At().t;
        }
      }
      (void)h.Stats();
      (void)h.LabelValues("s");
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_EQ(h.Stats().num_samples, static_cast<size_t>(kSeries * kSteps));
}

// What a head cut relies on: older data hidden and freed, emptied series
// removed, older samples refused.
TEST(HeadTest, TruncateDropsOldDataAndRejectsOlderSamples) {
  Head h(Head::Options{.max_samples_per_chunk = 10});
  const LabelSet old_only{{"__name__", "gone"}};
  ASSERT_TRUE(h.Append(old_only, 500, 1));
  Result<SeriesRef> ref = h.Append(kUp, 0, 0);
  ASSERT_TRUE(ref);
  for (Timestamp t = 1000; t < 50'000; t += 1000) ASSERT_TRUE(h.Append(*ref, t, double(t)));
  EXPECT_EQ(h.MinTime(), 0);
  EXPECT_EQ(h.MaxTime(), 49'000);
  const size_t chunks_before = h.Stats().num_chunks;

  h.Truncate(25'000);
  EXPECT_EQ(h.MinValidTime(), 25'000);
  EXPECT_EQ(h.MinTime(), 25'000);
  EXPECT_LT(h.Stats().num_chunks, chunks_before);
  EXPECT_EQ(h.Stats().num_series, 1u);
  EXPECT_TRUE(All(h, old_only).empty());
  const std::vector<Sample> rest = All(h, kUp);
  ASSERT_EQ(rest.size(), 25u);  // 25 s .. 49 s: the straddling chunk's older part is hidden
  EXPECT_EQ(rest.front().t, 25'000);
  EXPECT_EQ(h.LabelValues("__name__")->size(), 1u);

  Result<SeriesRef> late = h.Append(kUp, 24'000, 1);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message().find("out-of-bounds"), std::string::npos);
  EXPECT_EQ(h.Stats().out_of_order_total, 1u);
  // A removed series comes back under a new ref.
  Result<SeriesRef> again = h.Append(old_only, 60'000, 2);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, SeriesRef{0});
  EXPECT_EQ(h.Append(SeriesRef{0}, 61'000, 1).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(All(h, old_only).size(), 1u);
}

// Truncate frees chunks and series while appenders and readers run: readers
// keep what they selected, appenders never lose a sample at or after the
// truncation point, and series that stop getting samples are removed.
TEST(HeadConcurrencyTest, TruncateWhileAppendingAndQuerying) {
  Head h(Head::Options{.max_samples_per_chunk = 8});
  constexpr int kSteps = 600;
  std::atomic<int> step_done{-1};
  std::thread writer([&] {
    for (int step = 0; step < kSteps; ++step) {
      for (int s = 0; s < 10; ++s) {
        // Series "s" >= 5 stop at step 100 and get truncated away.
        if (s >= 5 && step > 100) continue;
        ASSERT_TRUE(h.Append({{"__name__", "m"}, {"s", std::to_string(s)}}, step * 1000, step));
      }
      step_done = step;
      // Let truncation catch up now and then, so the three really overlap.
      if (step % 100 == 0 && step >= 200) {
        while (h.MinValidTime() < (step - 150) * 1000) std::this_thread::yield();
      }
    }
  });
  std::thread truncater([&] {
    while (step_done.load() < kSteps - 1) {
      const int upto = step_done.load() - 50;
      if (upto > 0) h.Truncate(upto * 1000);
      std::this_thread::yield();
    }
  });
  std::thread reader([&] {
    while (step_done.load() < kSteps - 1) {
      auto r = h.Select({}, 0, kSteps * 1000);
      ASSERT_TRUE(r);
      for (Series& s : *r) {
        Timestamp last = -1;
        while (s.samples.Next()) {
          ASSERT_GT(s.samples.At().t, last);
          last = s.samples.At().t;
        }
      }
    }
  });
  writer.join();
  truncater.join();
  reader.join();
  const Timestamp floor = h.MinValidTime();
  ASSERT_GT(floor, 100'000);
  auto r = h.Select({}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 5u);  // s=5..9 ended before the floor
  for (Series& s : *r) {
    Timestamp want = floor;
    while (s.samples.Next()) {
      ASSERT_EQ(s.samples.At().t, want);
      want += 1000;
    }
    EXPECT_EQ(want, kSteps * 1000);
  }
}

}  // namespace
}  // namespace fw::metrics::tsdb
