#include "metrics/tsdb/block.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "../../common/scratch_dir.h"

namespace fw::metrics::tsdb {
namespace {

std::string TempDir() {
  std::string d = fw::testing::ScratchDir("fw_block");
  return d;
}

LabelSet Labels(int i) {
  return LabelSet{{"__name__", i % 2 ? "up" : "http_requests_total"},
                  {"instance", "i-" + std::to_string(i)}};
}

std::vector<Sample> Samples(int i, int n) {
  std::vector<Sample> out;
  for (int k = 0; k < n; ++k) out.push_back({k * 15'000 + i, double(k * i)});
  if (i == 3) out.back().v = StaleNaN();
  return out;
}

// Writes series 0..n-1 (sorted by labels) with `per` samples each.
std::string WriteTestBlock(const std::string& dir, int n, int per) {
  BlockMeta meta;
  meta.id = "b1";
  meta.mint = 0;
  meta.maxt = per * 15'000 + n;
  meta.sources = {"b1"};
  auto w = BlockWriter::Create(dir, meta);
  EXPECT_TRUE(w) << w.error().ToString();
  std::vector<LabelSet> sorted;
  for (int i = 0; i < n; ++i) sorted.push_back(Labels(i));
  std::sort(sorted.begin(), sorted.end());
  for (const LabelSet& l : sorted) {
    const int i = std::stoi(std::string(l.Get("instance").substr(2)));
    auto r = (*w)->AddSeries(l, Samples(i, per));
    EXPECT_TRUE(r);
  }
  auto done = (*w)->Finish();
  EXPECT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->num_series, static_cast<uint64_t>(n));
  EXPECT_EQ(done->num_samples, static_cast<uint64_t>(n * per));
  return dir + "/b1";
}

TEST(BlockTest, RoundTripsSeriesSamplesAndLabels) {
  const std::string dir = TempDir();
  const std::string path = WriteTestBlock(dir, 10, 300);  // 300 samples: three chunks each
  EXPECT_FALSE(std::filesystem::exists(dir + "/b1.tmp"));
  auto b = Block::Open(path);
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ((*b)->meta().num_chunks, 30u);
  EXPECT_EQ((*b)->meta().sources, std::vector<std::string>{"b1"});
  auto all = (*b)->Select({}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 10u);
  for (const SeriesSamples& s : *all) {
    const int i = std::stoi(std::string(s.labels.Get("instance").substr(2)));
    const auto want = Samples(i, 300);
    ASSERT_EQ(s.samples.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(s.samples[k].t, want[k].t);
      EXPECT_EQ(std::bit_cast<uint64_t>(s.samples[k].v), std::bit_cast<uint64_t>(want[k].v));
    }
  }
  auto up = (*b)->Select(
      {{MatchType::kEqual, "__name__", "up"}, {MatchType::kRegexMatch, "instance", "i-[13]"}},
      15'000, 30'003);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->size(), 2u);
  EXPECT_EQ((*up)[0].samples.size(), 2u);  // i-1 at t = 15001 and 30001
  EXPECT_EQ((*b)->LabelNames(), (std::vector<std::string>{"__name__", "instance"}));
  auto names = (*b)->LabelValues("__name__", {});
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 2u);
}

void FlipByte(const std::string& path, size_t offset_from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(f.tellg());
  const size_t at = size - offset_from_end;
  f.seekg(static_cast<std::streamoff>(at));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x40));
}

TEST(BlockTest, CorruptChunkIsReportedOnOpen) {
  const std::string path = WriteTestBlock(TempDir(), 4, 50);
  FlipByte(path + "/chunks", 20);
  auto b = Block::Open(path);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("chunks is corrupt"), std::string::npos)
      << b.error().message();
  EXPECT_NE(b.error().message().find("checksum"), std::string::npos);
}

TEST(BlockTest, CorruptIndexIsReportedOnOpen) {
  const std::string path = WriteTestBlock(TempDir(), 4, 50);
  FlipByte(path + "/index", 40);
  auto b = Block::Open(path);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("index is corrupt"), std::string::npos) << b.error().message();
}

TEST(BlockTest, TruncatedFilesAndBadMetaAreReported) {
  const std::string path = WriteTestBlock(TempDir(), 4, 50);
  std::filesystem::resize_file(path + "/chunks", std::filesystem::file_size(path + "/chunks") - 3);
  EXPECT_FALSE(Block::Open(path));
  const std::string path2 = WriteTestBlock(TempDir(), 4, 50);
  std::ofstream(path2 + "/meta.json") << "{\"version\": 1, \"id\": ";
  auto b = Block::Open(path2);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("meta.json"), std::string::npos) << b.error().message();
}

TEST(BlockTest, AbandonedWriterLeavesNothing) {
  const std::string dir = TempDir();
  {
    BlockMeta meta;
    meta.id = "gone";
    auto w = BlockWriter::Create(dir, meta);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->AddSeries(Labels(1), Samples(1, 10)));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(BlockTest, MetaJsonRoundTrips) {
  BlockMeta m;
  m.id = "x";
  m.mint = -5;
  m.maxt = 7'200'000;
  m.level = 3;
  m.sources = {"a", "b"};
  m.parents = {"p"};
  m.head_floor = 7'200'000;
  auto back = ParseBlockMeta(BlockMetaJson(m), "meta.json");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->mint, -5);
  EXPECT_EQ(back->level, 3);
  EXPECT_EQ(back->sources, m.sources);
  EXPECT_EQ(back->parents, m.parents);
  EXPECT_EQ(back->head_floor, m.head_floor);
  m.head_floor = INT64_MIN;
  EXPECT_EQ(ParseBlockMeta(BlockMetaJson(m), "meta.json")->head_floor, INT64_MIN);
}

}  // namespace
}  // namespace fw::metrics::tsdb
