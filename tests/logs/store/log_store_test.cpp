// The log store: round trip, block skipping, torn tails, crashes between the
// steps of a seal, kill -9 during appends, retention, line ingestion.

#include "logs/store/log_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "common/crc32c.h"
#include "logs/ingest/line_ingest.h"

namespace fw::logs::store {
namespace {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = ::testing::TempDir() + "fw_logstore_XXXXXX";
    EXPECT_NE(mkdtemp(path_.data()), nullptr);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string store() const { return path_ + "/logs"; }

 private:
  std::string path_;
};

StoredEvent Event(Timestamp t, std::string message, std::string group = "g",
                  std::string stream = "s") {
  return StoredEvent{t, t + 5, std::move(group), std::move(stream), std::move(message)};
}

std::vector<LogEvent> ScanAll(const LogStore& s, ScanFilter f = {}, ScanStats* st = nullptr) {
  std::vector<LogEvent> out;
  auto r = s.Scan(
      f,
      [&](const LogEvent& e) {
        out.push_back(e);
        return true;
      },
      st);
  EXPECT_TRUE(r) << r.error().ToString();
  return out;
}

std::unique_ptr<LogStore> OpenStore(const std::string& dir, Clock& clock, StoreOptions o = {}) {
  auto s = LogStore::Open(dir, clock, o);
  EXPECT_TRUE(s) << s.error().ToString();
  return s ? std::move(*s) : nullptr;
}

TEST(Crc32cTest, KnownValuesAndChaining) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);  // the standard check value
  EXPECT_EQ(Crc32c("", 0), 0u);
  const std::string long_text(1000, 'z');
  EXPECT_EQ(Crc32c(long_text.data() + 3, 997, Crc32c(long_text.data(), 3)),
            Crc32c(long_text.data(), 1000));
}

// Decoders meet damaged bytes only past a CRC check, but must still never
// read out of bounds or allocate without limit: every single-byte change and
// every prefix of a valid batch and block decodes or fails cleanly.
TEST(StoreFormatTest, DamagedPayloadsFailCleanly) {
  std::vector<StoredEvent> events = {Event(1, R"({"a":1,"b":"x"})", "g1", "s1"),
                                     Event(-7, "plain", "g2", "s2"), Event(3, "", "", "")};
  BlockSummary summary;
  for (const StoredEvent& e : events) AddToSummary(summary, e, ToLogEvent(e));
  auto block = EncodeBlock(events, summary, 1);
  ASSERT_TRUE(block);
  uint64_t seq = 0;
  const std::string batch = EncodeBatch(42, events);
  auto back = DecodeBatch(batch, seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(seq, 42u);
  EXPECT_EQ((*back)[1].timestamp, -7);
  std::mt19937 rng(5);
  for (const std::string& valid : {batch, *block}) {
    for (size_t i = 0; i <= valid.size(); ++i) {
      std::string damaged = valid.substr(0, i);
      if (i < valid.size()) damaged += valid.substr(i + 1);  // a byte missing
      std::string flipped = valid;
      if (i < valid.size()) flipped[i] = static_cast<char>(rng());
      for (const std::string& d : {valid.substr(0, i), damaged, flipped}) {
        (void)DecodeBatch(d, seq);
        size_t body = 0;
        if (auto s = DecodeSummary(d, body)) (void)DecodeBlockEvents(d, body, *s);
      }
    }
  }
}

TEST(LogStoreTest, RoundTripThroughBlocksAndTheWal) {
  TempDir tmp;
  ManualClock clock(1'000'000);
  StoreOptions o;
  o.block_events = 3;
  {
    auto s = OpenStore(tmp.store(), clock, o);
    ASSERT_TRUE(s->Append({Event(1000, R"({"status":200,"route":"/a"})"), Event(2000, "plain")}));
    ASSERT_TRUE(s->Append({Event(3000, R"({"status":503})", "g2", "s2"), Event(4000, "x")}));
    ASSERT_TRUE(s->Append({Event(5000, "tail only in the WAL")}));
    EXPECT_EQ(s->stats().blocks, 1u);
    EXPECT_EQ(s->stats().unsealed_events, 1u);
  }
  auto s = OpenStore(tmp.store(), clock, o);
  EXPECT_EQ(s->open_stats().wal_events, 1u);
  const auto events = ScanAll(*s);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].message, R"({"status":200,"route":"/a"})");
  ASSERT_EQ(events[0].fields.size(), 2u) << "fields are discovered again on read";
  EXPECT_EQ(events[0].fields[0].second, Value::Number(200));
  EXPECT_EQ(events[0].ingestion_time, 1005);
  EXPECT_EQ(events[2].log_group, "g2");
  EXPECT_EQ(events[2].log_stream, "s2");
  EXPECT_EQ(events[4].message, "tail only in the WAL");
  EXPECT_EQ(events[4].timestamp, 5000);
}

TEST(LogStoreTest, SkipsBlocksOutsideTheTimeRangeAndGroups) {
  TempDir tmp;
  ManualClock clock;
  StoreOptions o;
  o.block_events = 100;
  auto s = OpenStore(tmp.store(), clock, o);
  for (int minute = 0; minute < 60; ++minute) {
    std::vector<StoredEvent> batch;
    for (int i = 0; i < 100; ++i) {
      batch.push_back(Event(minute * 60'000 + i * 500, "m" + std::to_string(minute),
                            minute < 30 ? "early" : "late"));
    }
    ASSERT_TRUE(s->Append(std::move(batch)));
  }
  ASSERT_EQ(s->stats().blocks, 60u);
  ScanFilter f;
  f.range = {15 * 60'000, 20 * 60'000};
  ScanStats st;
  const auto events = ScanAll(*s, f, &st);
  EXPECT_EQ(events.size(), 500u);
  EXPECT_EQ(st.blocks_total, 60);
  EXPECT_EQ(st.blocks_read, 5) << "only the blocks of minutes 15..19";
  for (const LogEvent& e : events) EXPECT_TRUE(f.range.Contains(e.timestamp));

  ScanFilter g;
  g.groups = {"late"};
  ScanStats gst;
  EXPECT_EQ(ScanAll(*s, g, &gst).size(), 3000u);
  EXPECT_EQ(gst.blocks_read, 30);
}

TEST(LogStoreTest, RepairsATornWalTail) {
  TempDir tmp;
  ManualClock clock;
  {
    auto s = OpenStore(tmp.store(), clock);
    ASSERT_TRUE(s->Append({Event(1, "one"), Event(2, "two")}));
    ASSERT_TRUE(s->Append({Event(3, "three")}));
  }
  const std::string wal = tmp.store() + "/wal";
  const auto good = fs::file_size(wal);
  {
    std::ofstream out(wal, std::ios::app | std::ios::binary);
    out << std::string("\x40\x00\x00\x00garbage", 11);  // a record cut short
  }
  {
    auto s = OpenStore(tmp.store(), clock);
    EXPECT_TRUE(s->open_stats().wal_torn_tail);
    EXPECT_EQ(fs::file_size(wal), good) << "cut back to the last good record";
    ASSERT_TRUE(s->Append({Event(4, "four")}));
  }
  auto s = OpenStore(tmp.store(), clock);
  EXPECT_FALSE(s->open_stats().wal_torn_tail);
  const auto events = ScanAll(*s);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].message, "four");
}

TEST(LogStoreTest, RepairsATornBlockFromTheWal) {
  TempDir tmp;
  ManualClock clock;
  StoreOptions o;
  o.block_events = 2;
  std::string wal_before_seal;
  {
    auto s = OpenStore(tmp.store(), clock, o);
    ASSERT_TRUE(s->Append({Event(1, "a"), Event(2, "b")}));  // block 1
    ASSERT_TRUE(s->Append({Event(3, "c")}));
    std::ifstream in(tmp.store() + "/wal", std::ios::binary);
    wal_before_seal.assign(std::istreambuf_iterator<char>(in), {});
    ASSERT_TRUE(s->Append({Event(4, "d")}));  // block 2 from c, d
  }
  // A crash after block 2 reached the segment but before the WAL was
  // emptied: the WAL's batches are held by the block and must not come back.
  {
    std::ofstream(tmp.store() + "/wal", std::ios::binary) << wal_before_seal;
    auto s = OpenStore(tmp.store(), clock, o);
    EXPECT_EQ(ScanAll(*s).size(), 4u);
    EXPECT_EQ(s->open_stats().wal_events, 0u);
  }
  // A crash in the middle of writing block 2: the segment is cut back and the
  // WAL brings c back.
  const std::string seg = tmp.store() + "/00000001.seg";
  fs::resize_file(seg, fs::file_size(seg) - 3);
  std::ofstream(tmp.store() + "/wal", std::ios::binary) << wal_before_seal;
  auto s = OpenStore(tmp.store(), clock, o);
  EXPECT_TRUE(s->open_stats().segment_torn_tail);
  const auto events = ScanAll(*s);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].message, "c");
}

TEST(LogStoreTest, DamageInASealedSegmentIsAnErrorNotACrash) {
  TempDir tmp;
  ManualClock clock;
  StoreOptions o;
  o.block_events = 1;
  o.segment_bytes = 1;  // one block per segment
  {
    auto s = OpenStore(tmp.store(), clock, o);
    ASSERT_TRUE(s->Append({Event(1, "first")}));
    ASSERT_TRUE(s->Append({Event(2, "second")}));
  }
  const std::string seg = tmp.store() + "/00000001.seg";
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\xff');  // inside the compressed body: the summary still reads
  }
  {
    auto s = OpenStore(tmp.store(), clock, o);
    std::vector<std::string> seen;
    auto r = s->Scan({}, [&](const LogEvent& e) {
      seen.push_back(e.message);
      return true;
    });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("00000001.seg"), std::string::npos) << r.error().message();
    ScanFilter later;
    later.range.start = 2;
    EXPECT_EQ(ScanAll(*s, later).size(), 1u) << "a query that skips the block still works";
  }
  fs::resize_file(seg, fs::file_size(seg) - 2);
  auto s = LogStore::Open(tmp.store(), clock, o);
  ASSERT_FALSE(s) << "a sealed segment cannot be torn; that is damage to report";
  EXPECT_NE(s.error().message().find("00000001.seg"), std::string::npos);
}

// SIGKILL at an arbitrary moment: every batch the writer acknowledged is
// there after reopening, once, in order.
TEST(LogStoreTest, AcknowledgedBatchesSurviveKill9) {
  for (int round = 0; round < 3; ++round) {
    TempDir tmp;
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      RealClock clock;
      StoreOptions o;
      o.block_events = 50;
      o.segment_bytes = 2048;
      auto s = LogStore::Open(tmp.store(), clock, o);
      if (!s) _exit(1);
      for (int64_t b = 0;; ++b) {
        std::vector<StoredEvent> batch;
        for (int i = 0; i < 7; ++i)
          batch.push_back(Event(b, std::to_string(b) + "." + std::to_string(i)));
        if (!(*s)->Append(std::move(batch))) _exit(1);
        if (write(pipefd[1], &b, sizeof b) != sizeof b) _exit(1);
      }
    }
    close(pipefd[1]);
    int64_t acked = -1, v;
    for (int n = 0; n < 20 + round * 60 && read(pipefd[0], &v, sizeof v) == sizeof v; ++n)
      acked = v;
    kill(pid, SIGKILL);
    while (read(pipefd[0], &v, sizeof v) == sizeof v) acked = v;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer must have been killed, not failed";
    ASSERT_GE(acked, 0);
    ManualClock clock;
    auto s = OpenStore(tmp.store(), clock);
    const auto events = ScanAll(*s);
    ASSERT_GE(static_cast<int64_t>(events.size()), (acked + 1) * 7) << "round " << round;
    ASSERT_EQ(events.size() % 7, 0u) << "batches are whole";
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].message, std::to_string(i / 7) + "." + std::to_string(i % 7));
    }
  }
}

TEST(LogStoreTest, RetentionDeletesWholeOldestSegments) {
  TempDir tmp;
  ManualClock clock(0);
  StoreOptions o;
  o.block_events = 10;
  o.segment_bytes = 1;  // every block starts a new segment
  o.retention_ms = 3'600'000;
  auto s = OpenStore(tmp.store(), clock, o);
  for (int i = 0; i < 5; ++i) {
    clock.Set(i * 1'800'000);
    std::vector<StoredEvent> batch;
    for (int k = 0; k < 10; ++k) batch.push_back(StoredEvent{i, clock.Now(), "g", "s", "e"});
    ASSERT_TRUE(s->Append(std::move(batch)));
  }
  // Ingested at 0, 30, 60, 90, 120 min; rotation at each seal applied the
  // one-hour retention as time went on.
  auto r = s->ApplyRetention();
  ASSERT_TRUE(r);
  const auto events = ScanAll(*s);
  EXPECT_EQ(events.size(), 30u) << "the segments of 60, 90 and 120 min stay";

  StoreOptions by_size = o;
  by_size.retention_ms = 0;
  by_size.max_bytes = 1;
  s.reset();
  s = OpenStore(tmp.store(), clock, by_size);  // applies retention on open
  EXPECT_EQ(s->stats().segments, 1u) << "only the active segment is left";
  EXPECT_FALSE(fs::exists(tmp.store() + "/00000005.seg"));
  EXPECT_TRUE(ScanAll(*s).empty());
}

TEST(LogStoreTest, ReadOnlyOpenChangesNothing) {
  TempDir tmp;
  ManualClock clock;
  StoreOptions ro;
  ro.read_only = true;
  EXPECT_FALSE(LogStore::Open(tmp.store(), clock, ro)) << "no store there";
  {
    auto s = OpenStore(tmp.store(), clock);
    ASSERT_TRUE(s->Append({Event(1, "a")}));
  }
  std::ofstream(tmp.store() + "/wal", std::ios::app | std::ios::binary) << "torn";
  const auto size = fs::file_size(tmp.store() + "/wal");
  auto s = OpenStore(tmp.store(), clock, ro);
  EXPECT_EQ(ScanAll(*s).size(), 1u);
  EXPECT_EQ(fs::file_size(tmp.store() + "/wal"), size);
  EXPECT_FALSE(s->Append({Event(2, "b")}));
}

TEST(LineIngesterTest, KeepsMalformedAndOversizedLinesAndCountsThem) {
  TempDir tmp;
  ManualClock clock(1'768'485'600'000);
  auto s = OpenStore(tmp.store(), clock);
  ingest::LineIngestOptions o;
  o.group = "app";
  o.stream = "web";
  o.max_line_bytes = 64;
  o.expect_json = true;
  ingest::LineIngester in(*s, clock, o);
  ASSERT_TRUE(in.Feed("{\"timestamp\":\"2026-01-15T14:00:00Z\",\"a\":1}\n{\"broken\": \npl"));
  ASSERT_TRUE(in.Feed("ain\n" + std::string(100, 'x') + "\nlast"));
  ASSERT_TRUE(in.Finish());
  EXPECT_EQ(in.counts().accepted, 5);
  EXPECT_EQ(in.counts().malformed, 4) << "the broken JSON and three plain lines";
  EXPECT_EQ(in.counts().oversized, 1);
  const auto events = ScanAll(*s);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].timestamp, 1'768'485'600'000);
  EXPECT_EQ(events[1].message, "{\"broken\": ");
  EXPECT_EQ(events[1].timestamp, 1'768'485'600'000) << "the previous line's time";
  EXPECT_EQ(events[2].message, "plain");
  EXPECT_EQ(events[3].message, std::string(64, 'x'));
  EXPECT_EQ(events[4].message, "last");
  EXPECT_EQ(events[4].log_group, "app");
  EXPECT_EQ(events[4].log_stream, "web");
}

}  // namespace
}  // namespace fw::logs::store
