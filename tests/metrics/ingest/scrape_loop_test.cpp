// ScrapeLoop against a real HTTP exporter on 127.0.0.1, on a ManualClock
// unless the test is about real time (timeouts).

#include "metrics/ingest/scrape_loop.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "fake_exporter.h"
#include "metrics/model.h"

namespace fw::metrics::ingest {
namespace {

using testing::FakeExporter;

constexpr Timestamp kT0 = 1'700'000'000'000;

// A store stand-in: remembers every sample by rendered label set.
struct Recorder {
  std::map<std::string, std::vector<Sample>> series;
  size_t batches = 0;
  ScrapeAppender Appender() {
    return [this](const std::vector<tsdb::LabeledSample>& batch) -> Result<tsdb::AppendStats> {
      ++batches;
      for (const auto& s : batch) series[s.labels.ToString()].push_back(s.sample);
      return tsdb::AppendStats{batch.size(), 0, ""};
    };
  }
  // Samples of series whose rendering contains `needle`... exactly `key`.
  const std::vector<Sample>& at(const std::string& key) {
    static const std::vector<Sample> kNone;
    auto it = series.find(key);
    return it == series.end() ? kNone : it->second;
  }
  double Last(const std::string& key) { return at(key).empty() ? -1 : at(key).back().v; }
};

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopTest() {
    cfg_.job_name = "node";
    cfg_.scrape_interval = Millis(15'000);
    cfg_.scrape_timeout = Millis(2'000);
  }
  std::unique_ptr<ScrapeLoop> Loop(Clock& clock, const std::string& address = "") {
    auto t = MakeTarget(cfg_, address.empty() ? exporter_.address() : address, {});
    EXPECT_TRUE(t) << t.error().ToString();
    return std::make_unique<ScrapeLoop>(cfg_, *t, clock, rec_.Appender(), &counters_);
  }
  // {__name__="name",instance="...",job="node"} plus `extra` labels before instance.
  std::string Key(const std::string& name, const std::string& extra = "") const {
    return "{__name__=\"" + name + "\"," + extra + "instance=\"" + exporter_.address() +
           "\",job=\"node\"}";
  }

  FakeExporter exporter_;
  ScrapeConfig cfg_;
  Recorder rec_;
  ScrapeCounters counters_;
  ManualClock clock_{kT0};
};

TEST_F(ScrapeLoopTest, ScrapesLabelsAndReports) {
  exporter_.Set(
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 5\n"
      "memory_bytes 100\n");
  auto loop = Loop(clock_);
  const ScrapeResult r = loop->ScrapeOnce();
  EXPECT_TRUE(r.up) << r.error;
  EXPECT_EQ(r.time, kT0);
  EXPECT_EQ(r.scraped, 2u);
  EXPECT_EQ(r.appended, 7u) << "2 samples + 5 synthetic series";
  ASSERT_EQ(rec_.at(Key("http_requests_total", "code=\"200\",")).size(), 1u);
  EXPECT_EQ(rec_.at(Key("http_requests_total", "code=\"200\","))[0].t, kT0);
  EXPECT_EQ(rec_.Last(Key("http_requests_total", "code=\"200\",")), 5);
  EXPECT_EQ(rec_.Last(Key("memory_bytes")), 100);
  EXPECT_EQ(rec_.Last(Key("up")), 1);
  EXPECT_EQ(rec_.Last(Key("scrape_samples_scraped")), 2);
  EXPECT_EQ(rec_.Last(Key("scrape_samples_post_metric_relabeling")), 2);
  EXPECT_EQ(rec_.Last(Key("scrape_series_added")), 2);
  EXPECT_EQ(rec_.Last(Key("scrape_duration_seconds")), 0) << "a manual clock does not move";
  EXPECT_EQ(exporter_.header("Accept").rfind("application/openmetrics-text;version=1.0.0", 0), 0u);
  EXPECT_NE(exporter_.header("Accept").find("text/plain;version=0.0.4;q=0.5"), std::string::npos);
  EXPECT_EQ(exporter_.header("X-Prometheus-Scrape-Timeout-Seconds"), "2");

  clock_.Advance(Millis(15'000));
  const ScrapeResult r2 = loop->ScrapeOnce();
  EXPECT_EQ(r2.series_added, 0u) << "cached";
  EXPECT_EQ(rec_.at(Key("memory_bytes")).size(), 2u);
  EXPECT_EQ(counters_.scrapes, 2u);
  EXPECT_EQ(counters_.appended, 14u);
}

TEST_F(ScrapeLoopTest, ConflictingLabelsBecomeExportedUnlessHonored) {
  exporter_.Set("m{job=\"other\",instance=\"x\",exported_job=\"y\"} 1\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  EXPECT_EQ(rec_.Last("{__name__=\"m\",exported_exported_job=\"other\",exported_instance=\"x\","
                      "exported_job=\"y\",instance=\"" +
                      exporter_.address() + "\",job=\"node\"}"),
            1)
      << ::testing::PrintToString(rec_.series);

  cfg_.honor_labels = true;
  auto honored = Loop(clock_);
  clock_.Advance(Millis(1));
  ASSERT_TRUE(honored->ScrapeOnce().up);
  EXPECT_EQ(rec_.Last("{__name__=\"m\",exported_job=\"y\",instance=\"x\",job=\"other\"}"), 1);
}

TEST_F(ScrapeLoopTest, HonorTimestamps) {
  exporter_.Set("with_time 1 1600000000000\nwithout 2\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  EXPECT_EQ(rec_.at(Key("with_time"))[0].t, 1'600'000'000'000);
  EXPECT_EQ(rec_.at(Key("without"))[0].t, kT0);

  cfg_.honor_timestamps = false;
  Recorder other;
  auto t = MakeTarget(cfg_, exporter_.address(), {});
  ScrapeLoop ignoring(cfg_, *t, clock_, other.Appender());
  ASSERT_TRUE(ignoring.ScrapeOnce().up);
  EXPECT_EQ(other.at(Key("with_time"))[0].t, kT0);
}

TEST_F(ScrapeLoopTest, OpenMetricsByContentType) {
  exporter_.Set("/metrics", {"# TYPE c counter\nc_total 3 1600000000.5\n# EOF\n",
                             "application/openmetrics-text; version=1.0.0; charset=utf-8"});
  auto loop = Loop(clock_);
  const ScrapeResult r = loop->ScrapeOnce();
  ASSERT_TRUE(r.up) << r.error;
  EXPECT_EQ(rec_.at(Key("c_total"))[0].t, 1'600'000'000'500);
}

TEST_F(ScrapeLoopTest, SampleLimitFailsTheScrape) {
  cfg_.sample_limit = 2;
  exporter_.Set("a 1\nb 2\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  exporter_.Set("a 1\nb 2\nc 3\n");
  clock_.Advance(Millis(15'000));
  const ScrapeResult r = loop->ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find("sample_limit exceeded: 3 samples, limit 2"), std::string::npos)
      << r.error;
  EXPECT_EQ(rec_.Last(Key("up")), 0);
  EXPECT_EQ(rec_.Last(Key("scrape_samples_scraped")), 3);
  EXPECT_TRUE(rec_.at(Key("c")).empty()) << "nothing of a failed scrape is kept";
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("a")))) << "the previous series go stale";
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("b"))));
  EXPECT_EQ(counters_.failed, 1u);
}

// Prometheus's label_limit, label_name_length_limit and
// label_value_length_limit: a series over one fails the whole scrape.
TEST_F(ScrapeLoopTest, LabelLimitsFailTheScrape) {
  struct Case {
    const char* key;
    std::string body, why;
  };
  const std::vector<Case> cases = {
      {"label_limit", "a{x=\"1\",y=\"2\",z=\"3\"} 1\n",
       "label_limit exceeded (metric: a, number of labels: 6, limit: 5)"},
      {"label_name_length_limit", "a{" + std::string(40, 'n') + "=\"1\"} 1\n",
       "label_name_length_limit exceeded (metric: a, label name: nnn"},
      {"label_value_length_limit", "a{x=\"" + std::string(40, 'v') + "\"} 1\n",
       "label_value_length_limit exceeded (metric: a, label name: x"},
  };
  for (const Case& c : cases) {
    cfg_.label_limit = cfg_.label_name_length_limit = cfg_.label_value_length_limit = 0;
    if (std::string(c.key) == "label_limit")
      cfg_.label_limit = 5;  // __name__, instance, job, x, y, z
    if (std::string(c.key) == "label_name_length_limit") cfg_.label_name_length_limit = 30;
    if (std::string(c.key) == "label_value_length_limit") cfg_.label_value_length_limit = 30;
    exporter_.Set("ok 1\n" + c.body);
    auto loop = Loop(clock_);
    const ScrapeResult r = loop->ScrapeOnce();
    EXPECT_FALSE(r.up) << c.key;
    EXPECT_NE(r.error.find(c.why), std::string::npos) << c.key << ": " << r.error;
    clock_.Advance(Millis(15'000));
  }
  EXPECT_TRUE(rec_.at(Key("ok")).empty()) << "nothing of a failed scrape is kept";
}

TEST_F(ScrapeLoopTest, UpIsZeroOnHttpErrorsAndParseErrors) {
  exporter_.Set("/metrics", {"oops", "text/plain", 500, 0});
  auto loop = Loop(clock_);
  ScrapeResult r = loop->ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find("HTTP status 500"), std::string::npos) << r.error;
  EXPECT_EQ(rec_.Last(Key("up")), 0);

  exporter_.Set("good 1\nbad{x=\"1\" 2\n");
  clock_.Advance(Millis(15'000));
  r = loop->ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find(":2:"), std::string::npos) << "names the line: " << r.error;
  EXPECT_TRUE(rec_.at(Key("good")).empty());
}

TEST_F(ScrapeLoopTest, ConnectionRefusedIsUpZero) {
  // A port that was free a moment ago: bound, read back, closed.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  auto t = MakeTarget(cfg_, "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), {});
  ScrapeLoop loop(cfg_, *t, clock_, rec_.Appender());
  const ScrapeResult r = loop.ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find("Connection"), std::string::npos) << r.error;
}

TEST_F(ScrapeLoopTest, TimeoutFailsTheScrape) {
  RealClock real;
  cfg_.scrape_timeout = Millis(200);
  exporter_.Set("/metrics", {"slow 1\n", "text/plain", 200, 1000});
  auto loop = Loop(real);
  const Timestamp start = real.Now();
  const ScrapeResult r = loop->ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find("200ms"), std::string::npos) << r.error;
  EXPECT_LT(real.Now() - start, 900) << "gave up at the timeout, not at the answer";
  EXPECT_EQ(rec_.Last(Key("up")), 0);
}

TEST_F(ScrapeLoopTest, BodySizeLimit) {
  cfg_.body_size_limit = 64;
  exporter_.Set(std::string("big_metric_name_padding_padding 1\n") + std::string(100, '#') + "\n");
  auto loop = Loop(clock_);
  const ScrapeResult r = loop->ScrapeOnce();
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.error.find("body_size_limit (64 bytes)"), std::string::npos) << r.error;
}

TEST_F(ScrapeLoopTest, VanishedSeriesGetStaleMarkersAtTheScrapeTime) {
  exporter_.Set("a 1\nb 2\nts 3 1600000000000\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  exporter_.Set("a 1\n");
  clock_.Advance(Millis(15'000));
  const ScrapeResult r = loop->ScrapeOnce();
  ASSERT_TRUE(r.up);
  EXPECT_EQ(r.stale_markers, 1u) << "b only: series with their own timestamps are not tracked";
  ASSERT_EQ(rec_.at(Key("b")).size(), 2u);
  EXPECT_EQ(rec_.at(Key("b"))[1].t, kT0 + 15'000);
  EXPECT_TRUE(IsStaleNaN(rec_.at(Key("b"))[1].v));
  EXPECT_EQ(rec_.at(Key("ts")).size(), 1u);
  EXPECT_EQ(rec_.Last(Key("a")), 1);

  // b comes back: an ordinary sample again, and no second marker later.
  exporter_.Set("a 1\nb 5\n");
  clock_.Advance(Millis(15'000));
  ASSERT_EQ(loop->ScrapeOnce().stale_markers, 0u);
  EXPECT_EQ(rec_.Last(Key("b")), 5);
}

TEST_F(ScrapeLoopTest, FailedScrapeMarksEverySeriesStale) {
  exporter_.Set("a 1\nb 2\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  exporter_.Set("/metrics", {"", "text/plain", 503, 0});
  clock_.Advance(Millis(15'000));
  ScrapeResult r = loop->ScrapeOnce();
  EXPECT_EQ(r.stale_markers, 2u);
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("a"))));
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("b"))));
  EXPECT_EQ(rec_.Last(Key("up")), 0) << "up itself is never stale while the target exists";
  clock_.Advance(Millis(15'000));
  r = loop->ScrapeOnce();
  EXPECT_EQ(r.stale_markers, 0u) << "already stale";
}

TEST_F(ScrapeLoopTest, MarkStaleCoversEveryLastSeriesAndTheReport) {
  exporter_.Set("a 1\nb 2\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  clock_.Advance(Millis(3'000));
  EXPECT_EQ(loop->MarkStale(), 7u) << "a, b and the 5 synthetic series";
  EXPECT_EQ(rec_.at(Key("a")).back().t, kT0 + 3'000);
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("a"))));
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("up"))));
  EXPECT_TRUE(IsStaleNaN(rec_.Last(Key("scrape_series_added"))));
  EXPECT_EQ(loop->MarkStale(), 0u) << "once";
  EXPECT_EQ(counters_.stale_markers, 7u);
}

TEST_F(ScrapeLoopTest, StableOffsetWithinTheInterval) {
  auto a = Loop(clock_);
  auto b = Loop(clock_, "127.0.0.2:1");
  for (Timestamp now : {kT0, kT0 + 1, kT0 + 7'777, kT0 + 14'999}) {
    const Timestamp next = a->NextScrapeTime(now);
    EXPECT_GE(next, now);
    EXPECT_LT(next, now + 15'000);
    EXPECT_EQ(next % 15'000, a->NextScrapeTime(kT0) % 15'000) << "same phase every time";
  }
  EXPECT_NE(a->NextScrapeTime(kT0), b->NextScrapeTime(kT0)) << "targets spread out";
}

TEST_F(ScrapeLoopTest, RunStopsPromptlyMidInterval) {
  exporter_.Set("a 1\n");
  cfg_.scrape_interval = Millis(3'600'000);  // an hour: Stop must not wait it out
  RealClock real;
  auto loop = Loop(real);
  std::jthread thread([&](std::stop_token stop) { loop->Run(stop); });
  const Timestamp start = real.Now();
  thread.request_stop();
  thread.join();
  EXPECT_LT(real.Now() - start, 1'000);
}

TEST_F(ScrapeLoopTest, SendsCredentials) {
  cfg_.bearer_token = "s3cret";
  exporter_.Set("a 1\n");
  auto loop = Loop(clock_);
  ASSERT_TRUE(loop->ScrapeOnce().up);
  EXPECT_EQ(exporter_.header("Authorization"), "Bearer s3cret");
}

}  // namespace
}  // namespace fw::metrics::ingest
