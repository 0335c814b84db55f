// High availability end to end: two `firewatch serve` replicas on one
// PostgreSQL (a throwaway cluster), alerts arriving at both through the
// Alertmanager API, a webhook receiver counting what it gets. The leader is
// killed (-9) while alerts keep arriving; the follower must take over
// within 10 s (the default 5 s lease), every alert a replica acknowledged
// must reach the receiver and an incident, and no notification may arrive
// twice. Synchronisation polls with deadlines.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../e2e/subprocess.h"
#include "incident/sqlite_store.h"
#include "pg_cluster.h"

namespace fw {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kToken[] = "ha-admin";

// Counts notifications by identity: group, status and the alerts' states.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      json j = json::parse(req.body, nullptr, false);
      std::lock_guard lock(mu_);
      if (j.is_object()) {
        std::set<std::string> alerts;
        for (const json& a : j.value("alerts", json::array())) {
          const std::string name = a["labels"].value("instance", "?");
          alerts.insert(name + "=" + a.value("status", "?"));
          if (a.value("status", "") == "firing") firing_.insert(name);
        }
        std::string identity = j.value("groupKey", "") + "|" + j.value("status", "") + "|";
        for (const std::string& a : alerts) identity += a + ",";
        ++count_[identity];
        last_ = Clock::now();
      }
      res.set_content("{}", "application/json");
    });
    server_.Post("/page", [this](const httplib::Request& req, httplib::Response& res) {
      json j = json::parse(req.body, nullptr, false);
      std::lock_guard lock(mu_);
      if (j.is_object()) {
        ++pages_[j.value("incident", "?") + " level " + std::to_string(j.value("level", 0))];
      }
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::set<std::string> firing() {
    std::lock_guard lock(mu_);
    return firing_;
  }
  std::map<std::string, int> counts() {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::map<std::string, int> pages() {
    std::lock_guard lock(mu_);
    return pages_;
  }
  Clock::time_point last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::set<std::string> firing_;
  std::map<std::string, int> count_;
  std::map<std::string, int> pages_;  // "INC-1 level 1" -> times paged
  Clock::time_point last_{};
};

struct Replica {
  std::unique_ptr<e2e::Background> process;
  int port = 0;
};

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    cluster_ = ha_test::SharedCluster(&why);
    ASSERT_NE(cluster_, nullptr) << why;
    dir_ = e2e::MakeTempDir();
    schema_ = ha_test::FreshSchema("failover");
  }

  // A replica's firewatch.yml: its own data directory and port, the shared
  // PostgreSQL, one route to the receiver.
  Replica Start(const std::string& name, const std::string& extra = "") {
    const std::string data = dir_ + "/" + name;
    std::ofstream(dir_ + "/" + name + ".yml")
        << "server: {listen: \"127.0.0.1:0\"}\n"
        << "storage: {dir: " << data << "}\n"
        << "state:\n  postgres:\n    dsn: \"" << cluster_->Dsn() << "\"\n    schema: " << schema_
        << "\n"
        << "route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 2s,"
        << " repeat_interval: 4h}\n"
        << "receivers:\n  - name: hook\n    webhook_configs: [{url: \"http://127.0.0.1:"
        << receiver_.port() << "/hook\"}]\n"
        << extra;
    Replica r;
    r.process = std::make_unique<e2e::Background>(
        std::vector<std::string>{FIREWATCH_BIN, "serve", "--config", dir_ + "/" + name + ".yml"},
        std::vector<std::string>{std::string("FIREWATCH_TOKEN=") + kToken});
    const std::string line = r.process->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    if (line.rfind(prefix, 0) == 0) r.port = std::stoi(line.substr(prefix.size()));
    return r;
  }

  static json State(const Replica& r) {
    httplib::Client c("127.0.0.1", r.port);
    c.set_read_timeout(2, 0);
    auto res = c.Get("/api/v1/state", {{"Authorization", std::string("Bearer ") + kToken}});
    if (!res || res->status != 200) return json();
    return json::parse(res->body, nullptr, false);
  }
  static bool Leading(const Replica& r) { return State(r).value("leader", false); }

  // Posts one alert; true once the replica acknowledged it (durable).
  static bool Post(const Replica& r, const std::string& instance) {
    httplib::Client c("127.0.0.1", r.port);
    c.set_read_timeout(5, 0);
    const json body =
        json::array({{{"labels", {{"alertname", "CheckoutErrors"}, {"instance", instance}}},
                      {"annotations", {{"summary", "errors on " + instance}}}}});
    auto res = c.Post("/api/v2/alerts", {{"Authorization", std::string("Bearer ") + kToken}},
                      body.dump(), "application/json");
    return res && res->status == 200;
  }

  ha_test::PgCluster* cluster_ = nullptr;
  std::string dir_, schema_;
  Receiver receiver_;
};

TEST_F(FailoverTest, FollowerTakesOverLosingNothingAndSendingNothingTwice) {
  Replica a = Start("a");
  ASSERT_GT(a.port, 0);
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(a); }, 15'000ms, 50ms)) << State(a).dump();
  Replica b = Start("b");
  ASSERT_GT(b.port, 0);
  ASSERT_TRUE(e2e::PollUntil([&] { return !State(b).is_null(); }, 15'000ms, 50ms));
  EXPECT_FALSE(Leading(b)) << "two leaders";
  // What a load balancer's health check sees, without a token.
  auto leaderz = [](const Replica& r) {
    httplib::Client c("127.0.0.1", r.port);
    auto res = c.Get("/leaderz");
    return res ? res->status : 0;
  };
  EXPECT_EQ(leaderz(a), 200);
  EXPECT_EQ(leaderz(b), 503);

  // Alerts arrive at both replicas; the leader routes them all.
  std::set<std::string> acked;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "i-" + std::to_string(i);
    if (Post(i % 2 ? b : a, name)) acked.insert(name);
  }
  ASSERT_EQ(acked.size(), 6u);
  ASSERT_TRUE(e2e::PollUntil([&] { return receiver_.firing() == acked; }, 20'000ms, 50ms))
      << receiver_.firing().size() << " of 6 notified";

  // Alerts keep arriving at the follower; the leader dies between two of
  // its group flushes (a kill mid-send is the one duplicate the design
  // allows; see docs/ha.md).
  std::atomic<bool> stop{false};
  std::mutex acked_mu;
  std::thread sender([&] {
    for (int i = 6; !stop && i < 200; ++i) {
      const std::string name = "i-" + std::to_string(i);
      if (Post(b, name)) {
        std::lock_guard lock(acked_mu);
        acked.insert(name);
      }
      std::this_thread::sleep_for(150ms);
    }
  });
  ASSERT_TRUE(e2e::PollUntil(
      [&] { return receiver_.firing().size() > 6 && Clock::now() - receiver_.last() > 300ms; },
      20'000ms, 20ms));
  const auto killed = Clock::now();
  a.process->Kill();
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(b); }, 15'000ms, 50ms)) << State(b).dump();
  const double takeover_s = std::chrono::duration<double>(Clock::now() - killed).count();
  EXPECT_EQ(leaderz(b), 200);
  std::this_thread::sleep_for(2s);  // alerts still arriving after the takeover
  stop = true;
  sender.join();
  std::cout << "fail-over: the follower led " << takeover_s << " s after kill -9 of the leader"
            << std::endl;
  EXPECT_LT(takeover_s, 10.0);

  // Every acknowledged alert reaches the receiver, and nothing twice.
  ASSERT_TRUE(e2e::PollUntil([&] { return receiver_.firing() == acked; }, 30'000ms, 50ms))
      << receiver_.firing().size() << " of " << acked.size() << " notified";
  std::this_thread::sleep_for(3s);  // a duplicate would arrive by now
  for (const auto& [identity, n] : receiver_.counts()) {
    EXPECT_EQ(n, 1) << "received " << n << " times: " << identity;
  }

  // And every acknowledged alert is on the incident the follower now keeps.
  httplib::Client c("127.0.0.1", b.port);
  auto res = c.Get("/api/v1/incidents", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(res && res->status == 200);
  const json list = json::parse(res->body, nullptr, false);
  std::set<std::string> on_incidents;
  int incidents = 0;
  for (const json& inc : list.value("incidents", json::array())) {
    ++incidents;
    for (const json& al : inc.value("alerts", json::array())) {
      on_incidents.insert(al["labels"].value("instance", "?"));
    }
  }
  EXPECT_EQ(incidents, 1) << "one outage, one incident: " << res->body.substr(0, 400);
  EXPECT_EQ(on_incidents, acked);
}

// Nothing arrives while the leader dies: the new leader replays the live
// alerts, and sends nothing, since its predecessor already told exactly them.
TEST_F(FailoverTest, ANewLeaderDoesNotSendAgainWhatWasSent) {
  Replica a = Start("a");
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(a); }, 15'000ms, 50ms));
  Replica b = Start("b");
  ASSERT_TRUE(e2e::PollUntil([&] { return !State(b).is_null(); }, 15'000ms, 50ms));
  std::set<std::string> acked;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "q-" + std::to_string(i);
    if (Post(i % 2 ? b : a, name)) acked.insert(name);
  }
  ASSERT_TRUE(e2e::PollUntil([&] { return receiver_.firing() == acked; }, 20'000ms, 50ms));
  std::this_thread::sleep_for(2500ms);  // past group_interval: the group is settled
  const auto before = receiver_.counts();
  a.process->Kill();
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(b); }, 15'000ms, 50ms));
  std::this_thread::sleep_for(4s);  // group_wait and two group_intervals
  EXPECT_EQ(receiver_.counts(), before) << "the new leader sent again what was sent";
}

// An escalation in progress goes on at the new leader: the next level is
// paged when due, and the level the old leader paged is not paged again.
TEST_F(FailoverTest, EscalationGoesOnWithoutPagingTwice) {
  const std::string paging =
      "people:\n  - name: pat\n    contact_methods: [{type: webhook, url: "
      "\"http://127.0.0.1:" +
      std::to_string(receiver_.port()) +
      "/page\"}]\n"
      "paging: {secret_file: " +
      dir_ +
      "/paging.key}\n"
      "escalation_policies:\n  - name: p\n    levels:\n"
      "      - {targets: [\"user:pat\"], delay: 8s}\n"
      "      - {targets: [\"user:pat\"], delay: 8s}\n"
      "incidents: {escalation_policy: p}\n";
  Replica a = Start("a", paging);
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(a); }, 15'000ms, 50ms));
  Replica b = Start("b", paging);
  ASSERT_TRUE(e2e::PollUntil([&] { return !State(b).is_null(); }, 15'000ms, 50ms));
  ASSERT_TRUE(Post(a, "e-1"));
  ASSERT_TRUE(
      e2e::PollUntil([&] { return receiver_.pages().contains("INC-1 level 1"); }, 20'000ms, 50ms))
      << "no first page";
  std::this_thread::sleep_for(500ms);
  a.process->Kill();
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(b); }, 15'000ms, 50ms));
  ASSERT_TRUE(
      e2e::PollUntil([&] { return receiver_.pages().contains("INC-1 level 2"); }, 20'000ms, 50ms))
      << "the escalation stopped with the old leader";
  std::this_thread::sleep_for(1500ms);
  const std::map<std::string, int> want = {{"INC-1 level 1", 1}, {"INC-1 level 2", 1}};
  EXPECT_EQ(receiver_.pages(), want);
}

// A single server's SQLite store moves into PostgreSQL: ids, timelines and
// action items kept, a second run copies nothing, and a replica serves them.
TEST_F(FailoverTest, MigrateStateCopiesASqliteStore) {
  {
    auto sqlite = incident::SqliteStore::Open(dir_ + "/incidents.db");
    ASSERT_TRUE(sqlite) << sqlite.error().ToString();
    incident::Incident inc;
    inc.title = "checkout down";
    inc.group_key = "k";
    inc.created_at = 1000;
    incident::TimelineEntry e;
    e.time = 1000;
    e.kind = incident::EntryKind::kNote;
    e.text = "opened by hand";
    ASSERT_TRUE((*sqlite)->Create(inc, {e}));
    inc.title = "payments slow";
    ASSERT_TRUE((*sqlite)->Create(inc, {e, e}));
    ASSERT_TRUE((*sqlite)->AddActionItems("INC-2",
                                          {{.text = "alert on pool usage", .created_at = 2000}},
                                          [&](const incident::ActionItem&) { return e; }));
  }
  std::ofstream(dir_ + "/m.yml") << "state:\n  postgres:\n    dsn: \"" << cluster_->Dsn()
                                 << "\"\n    schema: " << schema_ << "\n";
  const std::vector<std::string> cmd = {
      FIREWATCH_BIN,   "admin",  "migrate-state",       "--config",
      dir_ + "/m.yml", "--from", dir_ + "/incidents.db"};
  auto first = e2e::Run(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("2 incidents copied (4 timeline entries, 1 action items), 0 already"),
            std::string::npos)
      << first.out;
  auto again = e2e::Run(cmd);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 incidents copied"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("2 already there"), std::string::npos) << again.out;

  Replica r = Start("r");
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(r); }, 15'000ms, 50ms));
  httplib::Client c("127.0.0.1", r.port);
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  auto inc = c.Get("/api/v1/incidents/INC-2", auth);
  ASSERT_TRUE(inc && inc->status == 200);
  EXPECT_NE(inc->body.find("payments slow"), std::string::npos);
  auto items = c.Get("/api/v1/incidents/INC-2/action_items", auth);
  ASSERT_TRUE(items && items->status == 200);
  EXPECT_NE(items->body.find("alert on pool usage"), std::string::npos);

  auto missing = e2e::Run({FIREWATCH_BIN, "admin", "migrate-state", "--config", dir_ + "/m.yml",
                           "--from", dir_ + "/nope.db"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no incident store at"), std::string::npos) << missing.err;
}

// A silence made on a follower holds on the leader, and on the next leader.
TEST_F(FailoverTest, ASilenceMadeOnAFollowerHoldsEverywhere) {
  Replica a = Start("a");
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(a); }, 15'000ms, 50ms));
  Replica b = Start("b");
  ASSERT_TRUE(e2e::PollUntil([&] { return !State(b).is_null(); }, 15'000ms, 50ms));
  char ends[32];
  const std::time_t later = std::time(nullptr) + 3600;
  std::strftime(ends, sizeof ends, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&later));
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  httplib::Client cb("127.0.0.1", b.port);
  const json silence = {
      {"matchers", {{{"name", "instance"}, {"value", "muted"}, {"isRegex", false}}}},
      {"endsAt", ends},
      {"comment", "maintenance"}};
  auto made = cb.Post("/api/v2/silences", auth, silence.dump(), "application/json");
  ASSERT_TRUE(made && made->status == 200) << (made ? made->body : "no answer");
  const std::string id = json::parse(made->body)["silenceID"];
  httplib::Client ca("127.0.0.1", a.port);
  ASSERT_TRUE(e2e::PollUntil(
      [&] {
        auto list = ca.Get("/api/v2/silences", auth);
        return list && list->body.find(id) != std::string::npos;
      },
      5'000ms, 50ms))
      << "the leader does not know the follower's silence";

  ASSERT_TRUE(Post(a, "muted"));
  ASSERT_TRUE(Post(a, "loud"));
  ASSERT_TRUE(e2e::PollUntil([&] { return receiver_.firing().contains("loud"); }, 20'000ms, 50ms));
  a.process->Kill();
  ASSERT_TRUE(e2e::PollUntil([&] { return Leading(b); }, 15'000ms, 50ms));
  ASSERT_TRUE(Post(b, "loud-2"));
  ASSERT_TRUE(
      e2e::PollUntil([&] { return receiver_.firing().contains("loud-2"); }, 20'000ms, 50ms));
  EXPECT_FALSE(receiver_.firing().contains("muted")) << "a silenced alert was notified";
}

}  // namespace
}  // namespace fw
