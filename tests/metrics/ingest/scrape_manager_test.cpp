// ScrapeManager with real threads on a real clock and short intervals. Waits
// poll the recorded data with a deadline, so they end as soon as the
// condition holds and fail (not hang) when it never does.

#include "metrics/ingest/scrape_manager.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "fake_exporter.h"
#include "metrics/model.h"

namespace fw::metrics::ingest {
namespace {

using testing::FakeExporter;

// A thread-safe store stand-in.
class Store {
 public:
  ScrapeAppender Appender() {
    return [this](const std::vector<tsdb::LabeledSample>& batch) -> Result<tsdb::AppendStats> {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& s : batch) series_[s.labels].push_back(s.sample);
      return tsdb::AppendStats{batch.size(), 0, ""};
    };
  }
  // Last values of series named `name`, by instance.
  std::map<std::string, double> Last(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, double> out;
    for (const auto& [labels, samples] : series_) {
      if (labels.Get("__name__") == name)
        out[std::string(labels.Get("instance"))] = samples.back().v;
    }
    return out;
  }
  std::vector<LabelSet> SeriesNamed(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<LabelSet> out;
    for (const auto& [labels, _] : series_) {
      if (labels.Get("__name__") == name) out.push_back(labels);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<LabelSet, std::vector<Sample>> series_;
};

// Polls `cond` every 10 ms for up to 5 s.
template <typename F>
bool Eventually(F cond) {
  RealClock clock;
  const Timestamp deadline = clock.Now() + 5'000;
  while (clock.Now() < deadline) {
    if (cond()) return true;
    clock.SleepUntil(clock.Now() + 10);
  }
  return cond();
}

ScrapeConfig Job(const std::string& name) {
  ScrapeConfig c;
  c.job_name = name;
  c.scrape_interval = Millis(100);
  c.scrape_timeout = Millis(100);
  return c;
}

TEST(ScrapeManagerTest, StaticTargetsScrapedUntilStopThenStale) {
  FakeExporter a, b;
  a.Set("m 1\n");
  b.Set("m 2\n");
  ScrapeSettings s;
  s.scrape_configs.push_back(Job("node"));
  s.scrape_configs[0].static_configs.push_back({{a.address(), b.address()}, {{"env", "test"}}});
  Store store;
  RealClock clock;
  ScrapeManager m(s, clock, store.Appender());
  m.Start();
  ASSERT_TRUE(Eventually([&] { return store.Last("up").size() == 2; }));
  ASSERT_TRUE(Eventually([&] { return a.requests() >= 3 && b.requests() >= 3; }))
      << "scraped every interval";
  // A request the exporter has seen may still be in flight; the manager
  // counts a scrape once it is stored.
  ASSERT_TRUE(Eventually([&] { return m.counters().scrapes >= 6; }));
  EXPECT_EQ(store.Last("m")[a.address()], 1);
  EXPECT_EQ(store.Last("m")[b.address()], 2);
  EXPECT_EQ(store.SeriesNamed("m")[0].Get("env"), "test");
  EXPECT_EQ(m.Targets().size(), 2u);

  const Timestamp before = clock.Now();
  m.Stop();
  EXPECT_LT(clock.Now() - before, 1'000) << "Stop is prompt";
  for (const auto& [instance, v] : store.Last("m")) EXPECT_TRUE(IsStaleNaN(v)) << instance;
  for (const auto& [instance, v] : store.Last("up")) EXPECT_TRUE(IsStaleNaN(v)) << instance;
  EXPECT_GE(m.counters().scrapes, 6u);
  EXPECT_EQ(m.counters().failed, 0u);
}

TEST(ScrapeManagerTest, StopInterruptsASlowScrape) {
  FakeExporter slow;
  slow.Set("/metrics", {"m 1\n", "text/plain", 200, 1500});
  ScrapeSettings s;
  s.scrape_configs.push_back(Job("slow"));
  s.scrape_configs[0].scrape_interval = Millis(2'000);
  s.scrape_configs[0].scrape_timeout = Millis(2'000);
  s.scrape_configs[0].static_configs.push_back({{slow.address()}, {}});
  Store store;
  RealClock clock;
  ScrapeManager m(s, clock, store.Appender());
  m.Start();
  // The first slot is somewhere in the next 2 s; wait for the request.
  ASSERT_TRUE(Eventually([&] { return slow.requests() >= 1; }));
  const Timestamp before = clock.Now();
  m.Stop();
  EXPECT_LT(clock.Now() - before, 1'000) << "did not wait for the 1.5 s answer";
  EXPECT_TRUE(store.Last("up").empty()) << "an interrupted scrape records nothing";
}

TEST(ScrapeManagerTest, RemovedTargetGetsStaleMarkersOthersContinue) {
  FakeExporter a, b;
  a.Set("m 1\n");
  b.Set("m 2\n");
  ScrapeSettings s;
  s.scrape_configs.push_back(Job("node"));
  Store store;
  RealClock clock;
  ScrapeManager m(s, clock, store.Appender());
  m.Start();
  m.UpdateTargets(0, 1, {{{a.address(), b.address()}, {}}});
  ASSERT_TRUE(Eventually([&] { return store.Last("m").size() == 2; }));
  m.UpdateTargets(0, 1, {{{a.address()}, {}}});
  EXPECT_EQ(m.Targets().size(), 1u);
  EXPECT_TRUE(IsStaleNaN(store.Last("m")[b.address()]));
  EXPECT_TRUE(IsStaleNaN(store.Last("up")[b.address()]));
  const int before = a.requests();
  ASSERT_TRUE(Eventually([&] { return a.requests() >= before + 2; })) << "a keeps going";
  EXPECT_EQ(store.Last("m")[a.address()], 1);
}

TEST(ScrapeManagerTest, HttpServiceDiscoveryRefreshes) {
  FakeExporter sd, app;
  app.Set("/sim/targets/i-1/metrics", {"requests_total 7\n"});
  app.Set("/sim/targets/i-2/metrics", {"requests_total 9\n"});
  auto groups = [&](const std::vector<std::string>& ids) {
    std::string json = "[";
    for (const std::string& id : ids) {
      json += std::string(json.size() > 1 ? "," : "") + "{\"targets\":[\"" + app.address() +
              "\"],\"labels\":{\"__metrics_path__\":\"/sim/targets/" + id +
              "/metrics\",\"instance\":\"" + id + "\",\"job\":\"app\"}}";
    }
    return json + "]";
  };
  sd.Set("/targets", {groups({"i-1", "i-2"}), "application/json"});
  ScrapeSettings s;
  s.scrape_configs.push_back(Job("firewatch-sim"));
  s.scrape_configs[0].http_sd_configs.push_back(
      {"http://" + sd.address() + "/targets", Millis(100)});
  Store store;
  RealClock clock;
  ScrapeManager m(s, clock, store.Appender());
  m.Start();
  ASSERT_TRUE(Eventually([&] { return store.Last("requests_total").size() == 2; }));
  EXPECT_EQ(store.Last("requests_total")["i-1"], 7);
  EXPECT_EQ(store.Last("requests_total")["i-2"], 9);
  EXPECT_EQ(store.SeriesNamed("up")[0].Get("job"), "app") << "an SD label overrides job_name";

  sd.Set("/targets", {groups({"i-1"}), "application/json"});
  // The refresh drops the target, then marks it stale.
  ASSERT_TRUE(Eventually([&] { return IsStaleNaN(store.Last("requests_total")["i-2"]); }));
  EXPECT_EQ(m.Targets().size(), 1u);

  // A failing SD keeps the last good targets.
  sd.Set("/targets", {"nope", "text/plain", 500, 0});
  const int seen = sd.requests();
  ASSERT_TRUE(Eventually([&] { return sd.requests() >= seen + 2; }));
  EXPECT_EQ(m.Targets().size(), 1u);
  m.Stop();
}

}  // namespace
}  // namespace fw::metrics::ingest
