// FileTailer: a batch named in the position file is settled against the
// store on restart (stored: resume after it; not stored: read it again), and
// the store follower returns each event once.
#include "logs/ingest/file_tail.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "logs/store/store_follow.h"

namespace fw::logs::ingest {
namespace {

class FileTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("fw_file_tail_test_" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    file_ = dir_ + "/app.log";
    std::ofstream(file_) << "one\ntwo\nthree\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FileTailOptions Options() const {
    FileTailOptions o;
    o.path = file_;
    o.state_path = dir_ + "/state/app.pos";
    o.lines.group = "g";
    o.lines.stream = "s";
    return o;
  }
  static int64_t Count(store::LogStore& s) {
    int64_t n = 0;
    EXPECT_TRUE(s.Scan({}, [&](const LogEvent&) { return ++n, true; }));
    return n;
  }
  // Tails the file once into the store at `store_dir`; returns the count.
  int64_t TailOnce(const std::string& store_dir) {
    auto s = store::LogStore::Open(store_dir, clock_);
    EXPECT_TRUE(s);
    FileTailer t(**s, clock_, Options());
    EXPECT_TRUE(t.Start());
    EXPECT_TRUE(t.Poll());
    return Count(**s);
  }

  ManualClock clock_{1'000};
  std::string dir_, file_;
};

TEST_F(FileTailTest, ABatchStoredBeforeTheCrashIsNotReadAgain) {
  ASSERT_EQ(TailOnce(dir_ + "/store"), 3);
  auto pos = LoadTailPosition(Options().state_path);
  ASSERT_TRUE(pos && *pos);
  TailPosition p = **pos;
  EXPECT_EQ(p.offset, 14);
  EXPECT_EQ(p.pending_end, -1);
  // As if killed between the append and the position update.
  p.pending_end = p.offset;
  p.pending_events = 3;
  p.offset = 0;
  ASSERT_TRUE(SaveTailPosition(Options().state_path, p));
  EXPECT_EQ(TailOnce(dir_ + "/store"), 3);
  auto settled = LoadTailPosition(Options().state_path);
  EXPECT_EQ((**settled).offset, 14);
}

TEST_F(FileTailTest, ABatchNotStoredIsReadAgain) {
  ASSERT_EQ(TailOnce(dir_ + "/first"), 3);
  auto pos = LoadTailPosition(Options().state_path);
  ASSERT_TRUE(pos && *pos);
  TailPosition p = **pos;
  // As if killed after naming the batch, before its append: the new store
  // holds nothing of that time.
  p.pending_end = p.offset;
  p.pending_events = 3;
  p.offset = 0;
  ASSERT_TRUE(SaveTailPosition(Options().state_path, p));
  EXPECT_EQ(TailOnce(dir_ + "/second"), 3);
}

TEST_F(FileTailTest, FollowerReturnsEachEventOnce) {
  auto s = store::LogStore::Open(dir_ + "/store", clock_);
  ASSERT_TRUE(s);
  auto append = [&](int n) {
    std::vector<store::StoredEvent> batch;
    for (int i = 0; i < n; ++i) batch.push_back({clock_.Now(), clock_.Now(), "g", "s", "x"});
    ASSERT_TRUE((*s)->Append(std::move(batch)));
  };
  append(2);
  store::StoreFollower f(dir_ + "/store", clock_, TimeRange{});
  int seen = 0;
  auto count = [&](const LogEvent&) { ++seen; };
  ASSERT_TRUE(f.Poll(count));
  EXPECT_EQ(seen, 2);
  append(3);  // same millisecond as the first two
  ASSERT_TRUE(f.Poll(count));
  EXPECT_EQ(seen, 5);
  ASSERT_TRUE(f.Poll(count));
  EXPECT_EQ(seen, 5);
  clock_.Advance(std::chrono::milliseconds(5));
  append(1);
  ASSERT_TRUE((*s)->Seal());
  ASSERT_TRUE(f.Poll(count));
  EXPECT_EQ(seen, 6);
}

}  // namespace
}  // namespace fw::logs::ingest
