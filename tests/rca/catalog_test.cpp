// The hypothesis catalog and the suspect-change score on hand-built
// features: each signature wins when present, rule-outs demote, and a
// deploy is blamed only when the signals follow its rollout.

#include <gtest/gtest.h>

#include <set>

#include "rca/features.h"

namespace fw::rca {
namespace {

constexpr Timestamp kMin = 60'000;
constexpr Timestamp kT0 = 1'768'485'600'000;  // scenario start

RobustScore Moved(double baseline, double current, double z, Timestamp at) {
  RobustScore r;
  r.baseline = baseline;
  r.current = current;
  r.z = z;
  r.scale = 0.01;
  r.first_moved = at;
  return r;
}

RobustScore Quiet(double level) {
  RobustScore r;
  r.baseline = r.current = level;
  r.scale = 0.01;
  return r;
}

void Signal(MetricFeature& m, RobustScore s, const std::string& id) {
  m.present = true;
  m.score = s;
  m.evidence_id = s.first_moved ? id : "";
}

Features Base() {
  Features f;
  f.from = kT0;
  f.onset = kT0 + 18 * kMin;
  f.now = f.onset;
  for (const char* i : {"i-1", "i-2", "i-3", "i-4"}) {
    f.cpu.by[i] = Quiet(0.3);
    f.heap.by[i] = Quiet(0.4);
    f.pool_usage.by[i] = Quiet(0.05);
    f.up.by[i] = Quiet(1);
    f.instance_errors.by[i] = Quiet(0);
  }
  for (const char* r : {"/", "/product", "/cart", "/checkout"}) {
    f.route_errors.by[r] = Quiet(0);
    f.route_p99.by[r] = Quiet(0.1);
  }
  f.cpu.present = f.heap.present = f.pool_usage.present = f.up.present = true;
  Signal(f.rps, Quiet(400), "");
  return f;
}

Deploy MakeDeploy(const std::string& version, Timestamp start, Timestamp end) {
  Deploy d;
  d.type = "deployment";
  d.service = "shop";
  d.version = version;
  d.previous_version = "v2.4.0";
  d.start = start;
  d.end = end;
  d.evidence_id = "change:" + version;
  int k = 0;
  for (const char* i : {"i-1", "i-2", "i-3", "i-4"}) d.switched[i] = start + (1 + k++) * kMin;
  return d;
}

LogTemplate Template(const std::string& pattern, unsigned classes, Timestamp first) {
  LogTemplate t;
  t.pattern = pattern;
  t.classes = classes;
  t.is_new = true;
  t.recent_count = 500;
  t.first_seen = first;
  t.evidence_id = "log:" + pattern;
  return t;
}

Analysis EvidenceFor(const Features& f) {
  Analysis a;
  std::set<std::string> ids;
  auto add = [&](const std::string& id) {
    if (id.empty() || !ids.insert(id).second) return;
    Evidence e;
    e.id = id;
    e.score = 1;
    a.evidence.push_back(e);
  };
  for (const MetricFeature* m :
       {&f.error_ratio, &f.route_errors, &f.instance_errors, &f.route_p99, &f.rps, &f.cpu, &f.heap,
        &f.pool_usage, &f.pool_pending, &f.db_connections, &f.lock_current, &f.up}) {
    add(m->evidence_id);
  }
  for (const LogTemplate& t : f.templates) add(t.evidence_id);
  for (const Deploy& d : f.deploys) add(d.evidence_id);
  add("db:idle_app_connections");
  return a;
}

TEST(CatalogTest, EveryCategoryAppearsSortedWithItsRunbook) {
  Features f = Base();
  const auto hs = EvaluateCatalog(f, EvidenceFor(f));
  ASSERT_EQ(hs.size(), std::size(kCategories));
  std::set<std::string> seen;
  for (size_t i = 0; i < hs.size(); ++i) {
    seen.insert(hs[i].category);
    EXPECT_EQ(hs[i].runbook, hs[i].category);
    EXPECT_LE(hs[i].confidence, 0.3) << hs[i].category << ": nothing is wrong";
    EXPECT_FALSE(hs[i].explanation.empty());
    if (i > 0) {
      EXPECT_GE(hs[i - 1].confidence, hs[i].confidence);
    }
  }
  EXPECT_EQ(seen.size(), std::size(kCategories));
}

TEST(CatalogTest, LeakingDeployExhaustsThePoolAndIsBlamed) {
  Features f = Base();
  const Timestamp deploy = kT0 + 10 * kMin;
  f.deploys.push_back(MakeDeploy("v2.5.0", deploy, deploy + 5 * kMin));
  int k = 0;
  for (auto& [i, s] : f.pool_usage.by) s = Moved(0.05, 0.95, 40, deploy + (3 + k++) * kMin);
  Signal(f.pool_usage, f.pool_usage.by["i-1"], "metric:pool_usage");
  Signal(f.pool_pending, Moved(0, 30, 30, deploy + 7 * kMin), "metric:pool_pending");
  Signal(f.db_connections, Moved(0.25, 0.9, 30, deploy + 3 * kMin), "metric:db_connections");
  LogTemplate leak =
      Template("Connection leak detection triggered for <*>", kLogLeak, deploy + 2 * kMin);
  leak.mixed_by_version = {{"v2.5.0", 40}, {"v2.4.0", 1}};
  f.templates.push_back(leak);
  f.templates.push_back(Template("HikariPool-1 - Connection is not available, request timed out",
                                 kLogPool, f.onset - kMin));
  const auto hs = EvaluateCatalog(f, EvidenceFor(f));
  ASSERT_EQ(hs[0].category, "db_pool_exhaustion");
  ASSERT_TRUE(hs[0].suspect_change);
  EXPECT_EQ(hs[0].suspect_change->version, "v2.5.0");
  EXPECT_EQ(hs[0].suspect_change->previous_version, "v2.4.0");
  EXPECT_GE(hs[0].confidence, 0.7);
}

TEST(CatalogTest, HarmlessDeployIsNotBlamedForADependencyFailure) {
  Features f = Base();
  const Timestamp deploy = kT0 + 5 * kMin;
  f.deploys.push_back(MakeDeploy("v2.4.1", deploy, deploy + 5 * kMin));
  const Timestamp fault = kT0 + 18 * kMin;
  f.onset = f.now = fault + kMin;
  for (auto& [i, s] : f.instance_errors.by) s = Moved(0, 0.05, 10, fault);
  f.route_errors.by["/checkout"] = Moved(0, 0.9, 90, fault);
  Signal(f.route_errors, f.route_errors.by["/checkout"], "metric:route_errors");
  Signal(f.error_ratio, Moved(0, 0.05, 10, fault), "metric:error_ratio");
  LogTemplate dep = Template("PaymentGatewayException: payment provider did not answer within <*>",
                             kLogDependency | kLogException, fault);
  dep.by_version = {{"v2.4.1", 900}};
  f.templates.push_back(dep);
  const auto hs = EvaluateCatalog(f, EvidenceFor(f));
  EXPECT_EQ(hs[0].category, "dependency_failure");
  for (const Hypothesis& h : hs) EXPECT_FALSE(h.suspect_change) << h.category;
}

TEST(CatalogTest, LockWaitsRuleOutPoolExhaustion) {
  Features f = Base();
  for (auto& [i, s] : f.pool_usage.by) s = Moved(0.05, 0.9, 30, f.onset - 3 * kMin);
  Signal(f.pool_usage, f.pool_usage.by["i-1"], "metric:pool_usage");
  Signal(f.lock_current, Moved(0, 30, 30, f.onset - 5 * kMin), "metric:lock_current");
  f.templates.push_back(
      Template("SQLException: Lock wait timeout exceeded", kLogLock, f.onset - 4 * kMin));
  const auto hs = EvaluateCatalog(f, EvidenceFor(f));
  EXPECT_EQ(hs[0].category, "lock_contention");
  for (const Hypothesis& h : hs) {
    if (h.category == "db_pool_exhaustion") {
      EXPECT_FALSE(h.ruled_out_by.empty());
    }
  }
}

TEST(CatalogTest, TrafficExplainsCpuButAHogDoesNot) {
  Features surge = Base();
  Signal(surge.rps, Moved(400, 1600, 50, surge.onset - 2 * kMin), "metric:request_rate");
  for (auto& [i, s] : surge.cpu.by) s = Moved(0.3, 0.97, 30, surge.onset - 2 * kMin);
  Signal(surge.cpu, surge.cpu.by["i-1"], "metric:cpu");
  EXPECT_EQ(EvaluateCatalog(surge, EvidenceFor(surge))[0].category, "traffic_surge");

  Features hog = Base();
  hog.cpu.by["i-2"] = Moved(0.3, 0.98, 30, hog.onset - 2 * kMin);
  Signal(hog.cpu, hog.cpu.by["i-2"], "metric:cpu");
  EXPECT_EQ(EvaluateCatalog(hog, EvidenceFor(hog))[0].category, "cpu_saturation");
}

TEST(SuspectTest, ChangeAfterTheSignalsMovedIsNotSuspect) {
  const Deploy d = MakeDeploy("v9", kT0 + 20 * kMin, kT0 + 25 * kMin);
  std::string why;
  EXPECT_EQ(ScoreSuspect(d, kT0 + 10 * kMin, {}, {}, {}, why), 0);
  EXPECT_NE(why.find("before the change"), std::string::npos);
}

TEST(SuspectTest, RolloutOrderIsSuspectSimultaneousOnsetIsNot) {
  const Deploy d = MakeDeploy("v9", kT0, kT0 + 5 * kMin);
  std::map<std::string, RobustScore> in_order, at_once;
  for (const auto& [inst, sw] : d.switched) {
    in_order[inst] = Moved(0, 1, 20, sw + 2 * kMin);
    at_once[inst] = Moved(0, 1, 20, kT0 + 12 * kMin);
  }
  std::string why;
  EXPECT_GE(ScoreSuspect(d, kT0 + 3 * kMin, in_order, {}, {}, why), 0.8);
  EXPECT_LT(ScoreSuspect(d, kT0 + 12 * kMin, at_once, {}, {}, why), 0.6);
  EXPECT_NE(why.find("all at once"), std::string::npos);
}

TEST(SuspectTest, AChangeMostInstancesGotWithoutHarmIsNotSuspect) {
  // Every instance got v9; one went bad eight minutes after it finished.
  const Deploy d = MakeDeploy("v9", kT0, kT0 + 5 * kMin);
  std::map<std::string, RobustScore> one_hot;
  for (const auto& [inst, sw] : d.switched) one_hot[inst] = Quiet(0.3);
  one_hot["i-2"] = Moved(0.3, 0.98, 30, kT0 + 13 * kMin);
  std::string why;
  EXPECT_LT(ScoreSuspect(d, kT0 + 13 * kMin, one_hot, {}, {}, why), 0.6);
  EXPECT_NE(why.find("only 1 of the 4"), std::string::npos) << why;
}

TEST(SuspectTest, AReleaseReplacedBeforeAnythingMovedIsNotSuspect) {
  const Deploy old = MakeDeploy("v9", kT0, kT0 + 5 * kMin);
  const Deploy next = MakeDeploy("v10", kT0 + 10 * kMin, kT0 + 15 * kMin);
  std::string why;
  EXPECT_EQ(ScoreSuspect(old, kT0 + 16 * kMin, {}, {}, {old, next}, why), 0);
  EXPECT_NE(why.find("v10 replaced it"), std::string::npos) << why;
  EXPECT_GT(ScoreSuspect(next, kT0 + 16 * kMin, {}, {}, {old, next}, why), 0.6);
}

TEST(SuspectTest, AFlagReachesEveryInstanceAtOnce) {
  Deploy flag;
  flag.type = "feature_flag";
  flag.service = "shop";
  flag.version = "new-cart on";
  flag.start = flag.end = kT0 + 10 * kMin;
  std::map<std::string, RobustScore> right_after, long_after;
  for (const char* i : {"i-1", "i-2", "i-3", "i-4"}) {
    right_after[i] = Moved(0, 1, 20, kT0 + 11 * kMin);
    long_after[i] = Moved(0, 1, 20, kT0 + 16 * kMin);
  }
  std::string why;
  EXPECT_GE(ScoreSuspect(flag, kT0 + 11 * kMin, right_after, {}, {}, why), 0.8);
  EXPECT_LT(ScoreSuspect(flag, kT0 + 16 * kMin, long_after, {}, {}, why), 0.6)
      << "a flag acts at once: six minutes later is something else";
}

TEST(SuspectTest, RollbacksAreNotSuspect) {
  Deploy d = MakeDeploy("v2.4.0", kT0, kT0 + 5 * kMin);
  d.rollback = true;
  std::string why;
  EXPECT_EQ(ScoreSuspect(d, kT0 + 2 * kMin, {}, {}, {}, why), 0);
}

}  // namespace
}  // namespace fw::rca
