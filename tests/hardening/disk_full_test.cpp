// A disk that fills and frees under the real `firewatch serve` (ctest -L
// hardening, issue #14): the data directory is a 2 MiB tmpfs, filled up to
// a few KiB by a filler file; remote write, alert intake and change events
// are posted until each answers errors (503), then the process is killed
// (kill -9) and restarted on the full disk, the filler is deleted, more is
// posted, and it is killed and restarted again. After every phase every
// acknowledged sample, alert and change is there and nothing that answered
// an error is. Skipped where tmpfs cannot be mounted (not root, no
// CAP_SYS_ADMIN); the fault-injection unit tests (DiskFaultTest,
// IntakeJournalFaultTest, ChangeLogFaultTest) cover the class everywhere.

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "metrics/ingest/remote_write.h"
#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;
namespace ingest = fw::metrics::ingest;

// Now (to the second), so the samples sit in the head and in the lookback.
const Timestamp kT = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() *
                     1000;

struct Acked {
  std::set<std::string> batches, alerts, changes;                       // answered 2xx
  std::set<std::string> failed_batches, failed_alerts, failed_changes;  // answered an error
};

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    data_ = dir_ + "/data";
    std::filesystem::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=2m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); the fault-injection unit tests cover this class";
    }
    mounted_ = true;
  }
  void TearDown() override {
    server_.reset();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
  }

  std::unique_ptr<httplib::Client> Start() {
    server_ = std::make_unique<Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--data", data_, "--port", "0"},
        std::vector<std::string>{"FIREWATCH_TOKEN=full"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) return nullptr;
    auto c = std::make_unique<httplib::Client>("127.0.0.1", std::stoi(line.substr(prefix.size())));
    c->set_bearer_token_auth("full");
    c->set_read_timeout(30, 0);
    return c;
  }

  uint64_t FreeBytes() const {
    struct statvfs st {};
    statvfs(data_.c_str(), &st);
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }

  // Fills the disk up to `leave` bytes.
  void Fill(uint64_t leave) {
    const uint64_t free = FreeBytes();
    std::ofstream f(data_ + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (uint64_t n = 0; n + leave + block.size() <= free; n += block.size()) f << block;
  }

  // One round of writes of each kind; returns the statuses seen.
  void PostRound(httplib::Client& c, int i, Acked& acked, int& errors) {
    const std::string id = std::to_string(i);
    std::vector<ingest::SeriesSamples> series;
    for (int k = 0; k < 40; ++k) {
      series.push_back({LabelSet{{"__name__", "fill"},
                                 {"batch", id},
                                 {"k", std::to_string(k) + std::string(40, 'p')}},
                        {{kT, static_cast<double>(i)}}});
    }
    auto w = c.Post("/api/v1/write", ingest::EncodeRemoteWrite(series), "application/x-protobuf");
    ASSERT_TRUE(w) << "no answer to remote write " << i;
    (w->status / 100 == 2 ? acked.batches : acked.failed_batches).insert(id);
    errors += w->status / 100 != 2;
    if (w->status / 100 != 2) {
      EXPECT_EQ(w->status, 503) << w->body;
    }

    json alerts = json::array();
    alerts.push_back({{"labels", {{"alertname", "Disk" + id}, {"pad", std::string(300, 'a')}}}});
    auto a = c.Post("/api/v2/alerts", alerts.dump(), "application/json");
    ASSERT_TRUE(a) << "no answer to intake " << i;
    (a->status / 100 == 2 ? acked.alerts : acked.failed_alerts).insert("Disk" + id);
    errors += a->status / 100 != 2;
    if (a->status / 100 != 2) {
      EXPECT_EQ(a->status, 503) << a->body;
    }

    json change = {{"type", "deployment"},
                   {"service", "shop"},
                   {"version", "v" + id},
                   {"note", std::string(300, 'c')}};
    auto ch = c.Post("/api/v1/changes", change.dump(), "application/json");
    ASSERT_TRUE(ch) << "no answer to change " << i;
    (ch->status / 100 == 2 ? acked.changes : acked.failed_changes).insert("v" + id);
    errors += ch->status / 100 != 2;
    if (ch->status / 100 != 2) {
      EXPECT_EQ(ch->status, 503) << ch->body;
    }
  }

  // Everything acknowledged is there, nothing that failed is.
  void Check(httplib::Client& c, const Acked& acked, const std::string& when) {
    auto q = c.Get("/api/v1/query?query=fill&time=" + std::to_string(kT / 1000));
    ASSERT_TRUE(q && q->status == 200) << when << ": " << (q ? q->body : "no answer");
    std::map<std::string, int> per_batch;
    const json doc = json::parse(q->body);
    for (const json& r : doc["data"]["result"]) {
      ++per_batch[r["metric"]["batch"].get<std::string>()];
    }
    std::set<std::string> batches;
    for (const auto& [b, n] : per_batch) {
      batches.insert(b);
      EXPECT_EQ(n, 40) << when << ": batch " << b << " is partial";
    }
    EXPECT_EQ(batches, acked.batches) << when << ": samples";

    auto al = c.Get("/api/v2/alerts");
    ASSERT_TRUE(al && al->status == 200) << when;
    std::set<std::string> alerts;
    for (const json& x : json::parse(al->body)) alerts.insert(x["labels"]["alertname"]);
    EXPECT_EQ(alerts, acked.alerts) << when << ": alerts";

    auto ch = c.Get("/api/v1/changes");
    ASSERT_TRUE(ch && ch->status == 200) << when;
    std::set<std::string> changes;
    json list = json::parse(ch->body);
    if (list.is_object() && list.contains("data")) list = list["data"];
    for (const json& x : list) changes.insert(x.value("version", ""));
    EXPECT_EQ(changes, acked.changes) << when << ": changes";
  }

  void FillAndFree(uint64_t leave);

  std::string dir_, data_;
  bool mounted_ = false;
  std::unique_ptr<Background> server_;
};

// Four fills: the room left before the writes start (records cut at
// different bytes of the WAL, journal and change file).
TEST_F(DiskFullTest, EveryAcknowledgedWriteSurvivesAFullDiskAndKill9AndNothingElse) {
  for (uint64_t leave : {48u << 10, 20u << 10, 9u << 10, 100u << 10}) {
    SCOPED_TRACE("left " + std::to_string(leave) + " bytes");
    if (leave != 48u << 10) {  // a fresh, empty disk for each case
      server_.reset();
      ASSERT_EQ(::umount2(data_.c_str(), MNT_DETACH), 0);
      ASSERT_EQ(::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=2m"), 0);
    }
    FillAndFree(leave);
    if (HasFatalFailure()) return;
  }
}

void DiskFullTest::FillAndFree(uint64_t leave) {
  auto c = Start();
  ASSERT_TRUE(c);
  Acked acked;
  int errors = 0, i = 0;
  // Phase 1: the disk fills while writes go on.
  Fill(leave);
  for (; i < 400 && (errors < 12 || acked.failed_alerts.empty() || acked.failed_changes.empty());
       ++i) {
    PostRound(*c, i, acked, errors);
  }
  ASSERT_GT(acked.batches.size(), 0u);
  ASSERT_GT(errors, 0) << "the disk never filled";
  std::printf(
      "disk full: %d rounds, %zu/%zu/%zu acknowledged, %zu/%zu/%zu refused (samples, "
      "alerts, changes)\n",
      i, acked.batches.size(), acked.alerts.size(), acked.changes.size(),
      acked.failed_batches.size(), acked.failed_alerts.size(), acked.failed_changes.size());
  Check(*c, acked, "disk full");
  ASSERT_TRUE(c->Get("/healthz"));

  // Phase 2: kill -9, restart on the full disk.
  server_->Kill();
  c = Start();
  ASSERT_TRUE(c) << "serve did not start on a full disk";
  Check(*c, acked, "restarted on the full disk");
  for (int k = 0; k < 5; ++k, ++i) PostRound(*c, i, acked, errors);  // still full: errors
  Check(*c, acked, "writes on the full disk after the restart");

  // Phase 3: the disk frees; writes succeed again.
  std::filesystem::remove(data_ + "/filler");
  const size_t before = acked.batches.size() + acked.alerts.size() + acked.changes.size();
  for (int k = 0; k < 10; ++k, ++i) PostRound(*c, i, acked, errors);
  EXPECT_EQ(acked.batches.size() + acked.alerts.size() + acked.changes.size(), before + 30)
      << "writes must succeed once the disk has room";
  Check(*c, acked, "disk freed");

  // Phase 4: kill -9 again, restart.
  server_->Kill();
  c = Start();
  ASSERT_TRUE(c);
  Check(*c, acked, "restarted after the disk freed");
}

}  // namespace
}  // namespace fw::e2e
