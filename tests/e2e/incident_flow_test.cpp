// The alerting issue's "Done when", end to end against the real binary:
// `firewatch serve --config` scrapes a target whose value the test changes,
// a rule fires, the webhook arrives, the incident is acknowledged and noted
// over the API, the server is killed with SIGKILL and restarted on the same
// data directory, and the incident comes back acknowledged with every
// timeline entry seen before the kill. Also: duplicate intake (Alertmanager
// webhook, PagerDuty Events v2) makes one incident; a bad config exits 2
// with file:line; bad intake payloads get 400 with a message naming the
// field. Synchronisation is by polling with a deadline, never by sleeping a
// guessed time.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "subprocess.h"

namespace fw::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kToken[] = "e2e-token";
constexpr char kListening[] = "listening on http://127.0.0.1:";

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// An HTTP server on 127.0.0.1 run on its own thread for the test's life.
class LocalServer {
 public:
  LocalServer() = default;
  LocalServer(const LocalServer&) = delete;
  ~LocalServer() {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& http() { return http_; }
  // REQUIRES: routes registered. The socket listens once bound, so clients
  // may connect before the accept loop starts.
  int Start() {
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    return port_;
  }
  int port() const { return port_; }

 private:
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
};

// A scrape target exposing one gauge whose value the test sets.
class GaugeTarget {
 public:
  explicit GaugeTarget(double initial) : value_(initial) {
    server_.http().Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      ++scrapes_;
      res.set_content("# TYPE shop_error_ratio gauge\nshop_error_ratio{service=\"checkout\"} " +
                          std::to_string(value_.load()) + "\n",
                      "text/plain; version=0.0.4");
    });
    server_.Start();
  }
  void Set(double v) { value_ = v; }
  int scrapes() const { return scrapes_; }
  int port() const { return server_.port(); }

 private:
  std::atomic<double> value_;
  std::atomic<int> scrapes_{0};
  LocalServer server_;
};

// A webhook receiver keeping every Alertmanager-style payload it gets.
class HookReceiver {
 public:
  HookReceiver() {
    server_.http().Post("/hook", [this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard lock(mu_);
      payloads_.push_back(json::parse(req.body, nullptr, false));
    });
    server_.Start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  std::vector<json> payloads() const {
    std::lock_guard lock(mu_);
    return payloads_;
  }
  // Firing notifications carrying an alert with this alertname.
  int FiringFor(const std::string& alertname) const {
    int n = 0;
    for (const json& p : payloads()) {
      if (!p.is_object() || p.value("status", "") != "firing") continue;
      for (const json& a : p["alerts"]) n += a["labels"].value("alertname", "") == alertname;
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<json> payloads_;
  LocalServer server_;
};

// `firewatch serve` on a free port, with a client holding the admin token.
struct Serve {
  Serve(const std::string& config, const std::string& data)
      : process({FIREWATCH_BIN, "serve", "--config", config, "--data", data, "--port", "0"},
                {std::string("FIREWATCH_TOKEN=") + kToken}) {
    const std::string line = process.ReadLine();
    EXPECT_EQ(line.rfind(kListening, 0), 0u) << line;
    port = line.rfind(kListening, 0) == 0 ? std::stoi(line.substr(sizeof kListening - 1)) : 0;
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_bearer_token_auth(kToken);
    client->set_read_timeout(10, 0);
  }
  // The parsed body of a GET, or null when the request failed.
  json Get(const std::string& path) {
    auto r = client->Get(path);
    if (!r || r->status != 200) return nullptr;
    return json::parse(r->body, nullptr, false);
  }
  // The incident list: {"incidents": [...]}, the issue's shape.
  json Incidents() {
    json body = Get("/api/v1/incidents");
    return body.is_object() && body.contains("incidents") ? body["incidents"] : json::array();
  }
  json Incident(const std::string& id) {
    json body = Get("/api/v1/incidents/" + id);
    return body.is_object() && body.contains("data") ? body["data"] : body;
  }
  httplib::Result Post(const std::string& path, const std::string& body) {
    return client->Post(path, body, "application/json");
  }

  Background process;
  int port = 0;
  std::unique_ptr<httplib::Client> client;
};

std::string StateOf(const json& incident) { return incident.value("status", ""); }

struct Entry {
  int64_t seq;
  std::string kind, text;
  bool operator==(const Entry&) const = default;
};

std::vector<Entry> Timeline(const json& incident) {
  std::vector<Entry> out;
  if (!incident.is_object() || !incident.contains("timeline")) return out;
  for (const json& e : incident["timeline"]) {
    out.push_back(
        {e["seq"].get<int64_t>(), e["kind"].get<std::string>(), e["text"].get<std::string>()});
  }
  return out;
}

bool HasKind(const std::vector<Entry>& timeline, const std::string& kind) {
  for (const Entry& e : timeline) {
    if (e.kind == kind) return true;
  }
  return false;
}

// A config scraping `target_port` every second, one rule firing at once
// when the ratio passes 1%, routed at once to the hook.
std::string FlowConfig(const std::string& dir, int target_port, const std::string& hook_url) {
  Write(dir + "/rules.yml", R"yaml(groups:
  - name: shop
    interval: 1s
    rules:
      - alert: ErrorRateHigh
        expr: shop_error_ratio > 0.01
        for: 0s
        labels: {severity: critical}
        annotations: {summary: "checkout error rate {{ $value | humanizePercentage }} (normal < 1%)"}
)yaml");
  return Write(dir + "/firewatch.yml",
               "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
               "scrape_configs:\n"
               "  - job_name: shop\n"
               "    static_configs: [{targets: ['127.0.0.1:" +
                   std::to_string(target_port) +
                   "']}]\n"
                   "rule_files: [rules.yml]\n"
                   "route: {receiver: oncall, group_by: [alertname], group_wait: 0s}\n"
                   "receivers: [{name: oncall, webhook_configs: [{url: '" +
                   hook_url + "'}]}]\n");
}

// Scrapes the target while normal, flips it over the threshold, waits for
// the webhook and the incident, then acknowledges and notes it. Sets the
// incident's id and its timeline as last seen.
void FireAndAcknowledge(Serve& server, GaugeTarget& target, const HookReceiver& hook,
                        std::string& id, std::vector<Entry>& timeline) {
  ASSERT_GT(server.port, 0);
  // Scraped while normal: the series is there, nothing fires.
  ASSERT_TRUE(PollUntil([&] {
    json r = server.Get("/api/v1/query?query=shop_error_ratio");
    return r.is_object() && !r["data"]["result"].empty();
  })) << "the target was never scraped";
  EXPECT_EQ(hook.FiringFor("ErrorRateHigh"), 0);
  EXPECT_TRUE(server.Incidents().empty());

  target.Set(0.2);
  ASSERT_TRUE(PollUntil([&] { return hook.FiringFor("ErrorRateHigh") > 0; }))
      << "no webhook after the value crossed the threshold";
  const json firing = hook.payloads().back();
  EXPECT_EQ(firing["alerts"][0]["labels"]["service"], "checkout") << firing.dump();
  EXPECT_EQ(firing["alerts"][0]["annotations"]["summary"], "checkout error rate 20% (normal < 1%)");

  // The incident, with the alert and the notification on its timeline.
  json list;
  ASSERT_TRUE(PollUntil([&] {
    list = server.Incidents();
    if (list.size() != 1) return false;
    return HasKind(Timeline(server.Incident(list[0]["id"])), "notification_sent");
  })) << list.dump();
  id = list[0]["id"].get<std::string>();
  EXPECT_EQ(StateOf(list[0]), "triggered");
  EXPECT_EQ(list[0]["severity"], "P1");

  auto r = server.Post("/api/v1/incidents/" + id + "/ack", "");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = server.Post("/api/v1/incidents/" + id + "/notes",
                  R"({"text": "pool exhausted since the 14:02 deploy"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;

  const json shown = server.Incident(id);
  EXPECT_EQ(StateOf(shown), "acknowledged");
  timeline = Timeline(shown);
  for (const char* kind : {"alert_firing", "notification_sent", "state_change", "note"}) {
    EXPECT_TRUE(HasKind(timeline, kind)) << kind << " missing: " << shown.dump();
  }
}

TEST(IncidentFlowTest, ScrapeFireAckSurvivesKillNine) {
  GaugeTarget target(0.001);  // 0.1%: normal
  HookReceiver hook;
  const std::string dir = MakeTempDir();
  const std::string config = FlowConfig(dir, target.port(), hook.url());
  const std::string data = dir + "/data";

  std::string id;
  std::vector<Entry> before_kill;
  {
    Serve server(config, data);
    FireAndAcknowledge(server, target, hook, id, before_kill);
    if (HasFatalFailure()) return;
    server.process.Kill();  // SIGKILL: no chance to flush anything
  }

  Serve again(config, data);
  ASSERT_GT(again.port, 0);
  const json list = again.Incidents();
  ASSERT_EQ(list.size(), 1u) << "the restart must not open a second incident: " << list.dump();
  EXPECT_EQ(list[0]["id"], id);
  const json shown = again.Incident(id);
  EXPECT_EQ(StateOf(shown), "acknowledged") << shown.dump();
  const std::vector<Entry> after = Timeline(shown);
  ASSERT_GE(after.size(), before_kill.size()) << shown.dump();
  for (size_t i = 0; i < before_kill.size(); ++i) {
    EXPECT_EQ(after[i], before_kill[i]) << "timeline entry " << i << " changed across kill -9";
  }
}

// One server for the intake tests: a route that notifies at once and
// repeats every second, so duplicates pass through the incident service
// again and again.
class IntakeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hook_ = new HookReceiver();
    const std::string dir = MakeTempDir();
    const std::string config =
        Write(dir + "/firewatch.yml",
              "route: {receiver: oncall, group_by: ['...'], group_wait: 0s, group_interval: 1s, "
              "repeat_interval: 1s}\n"
              "receivers: [{name: oncall, webhook_configs: [{url: '" +
                  hook_->url() + "'}]}]\n");
    server_ = new Serve(config, dir + "/data");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete hook_;
  }

  // Incidents whose linked alerts carry alertname.
  static json IncidentsFor(const std::string& alertname) {
    json out = json::array();
    for (const json& i : server_->Incidents()) {
      for (const json& a : i.value("alerts", json::array())) {
        if (a["labels"].value("alertname", "") == alertname) {
          out.push_back(i);
          break;
        }
      }
    }
    return out;
  }

  // Posts `body` to `path` `times` times, expecting `status` each time.
  static void PostRepeatedly(const std::string& path, const std::string& body, int times,
                             int status) {
    for (int i = 0; i < times; ++i) {
      auto r = server_->Post(path, body);
      ASSERT_TRUE(r) << path;
      ASSERT_EQ(r->status, status) << path << ": " << r->body;
    }
  }

  // Sends a duplicate `times` times before and after its incident exists,
  // waits until its notification repeated (so every copy has been through
  // the incident service), then expects one incident with one firing entry.
  static void ExpectOneIncident(const std::string& path, const std::string& body, int status,
                                const std::string& alertname) {
    PostRepeatedly(path, body, 5, status);
    ASSERT_TRUE(PollUntil([&] { return IncidentsFor(alertname).size() == 1; }))
        << server_->Incidents().dump();
    PostRepeatedly(path, body, 5, status);
    ASSERT_TRUE(PollUntil([&] { return hook_->FiringFor(alertname) >= 2; }))
        << "the repeat notification never came";
    const json list = IncidentsFor(alertname);
    ASSERT_EQ(list.size(), 1u) << list.dump();
    const json incident = server_->Incident(list[0]["id"]);
    EXPECT_EQ(incident["alerts"].size(), 1u) << incident.dump();
    int firing_entries = 0;
    for (const Entry& e : Timeline(incident)) firing_entries += e.kind == "alert_firing";
    EXPECT_EQ(firing_entries, 1) << "the same alert again must change nothing: " << incident.dump();
  }

  static HookReceiver* hook_;
  static Serve* server_;
};
HookReceiver* IntakeTest::hook_ = nullptr;
Serve* IntakeTest::server_ = nullptr;

TEST_F(IntakeTest, SameAlertmanagerWebhookManyTimesMakesOneIncident) {
  const std::string payload = R"({
    "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing",
    "receiver": "firewatch", "groupLabels": {"alertname": "DiskFull"},
    "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
    "alerts": [{"status": "firing",
                "labels": {"alertname": "DiskFull", "service": "db", "severity": "warning"},
                "annotations": {"summary": "disk 95% full on db-1"},
                "startsAt": "2026-11-25T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "a1b2c3"}]})";
  ExpectOneIncident("/api/v1/intake/alertmanager", payload, 200, "DiskFull");
}

TEST_F(IntakeTest, SamePagerDutyTriggerManyTimesMakesOneIncident) {
  const std::string event = R"({
    "routing_key": "R0123456789abcdef0123456789abcde", "event_action": "trigger",
    "dedup_key": "payments-latency-1",
    "payload": {"summary": "payments p99 above 2 s", "source": "payments-1",
                "severity": "error", "class": "PaymentsLatency"}})";
  ExpectOneIncident("/v2/enqueue", event, 202, "PaymentsLatency");
}

struct BadPayload {
  const char* path;
  const char* body;
  const char* message;  // the response must say this
};

TEST_F(IntakeTest, BadPayloadsGet400NamingTheProblem) {
  const BadPayload cases[] = {
      {"/api/v1/intake/alertmanager", "{not json", "JSON"},
      {"/api/v1/intake/alertmanager", R"({"version": "4"})", "alerts"},
      {"/api/v1/intake/alertmanager", R"({"version": "3", "alerts": []})", "version"},
      {"/api/v1/intake/alertmanager", R"({"version": "4", "alerts": [{"labels": {}}]})",
       "alerts[0].labels"},
      {"/api/v1/intake/alertmanager",
       R"({"version": "4", "alerts": [{"labels": {"a": "b"}, "startsAt": "yesterday"}]})",
       "startsAt"},
      {"/v2/enqueue", "[1, 2]", "object"},
      {"/v2/enqueue", R"({"event_action": "trigger"})", "routing_key"},
      {"/v2/enqueue", R"({"routing_key": "r", "event_action": "explode"})", "event_action"},
      {"/v2/enqueue", R"({"routing_key": "r", "event_action": "resolve"})", "dedup_key"},
      {"/v2/enqueue", R"({"routing_key": "r", "event_action": "trigger"})", "payload"},
      {"/v2/enqueue",
       R"({"routing_key": "r", "event_action": "trigger",
           "payload": {"summary": "s", "source": "x", "severity": "bad"}})",
       "payload.severity"},
  };
  for (const BadPayload& c : cases) {
    auto r = server_->Post(c.path, c.body);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, 400) << c.path << " " << c.body << " -> " << r->body;
    EXPECT_NE(r->body.find(c.message), std::string::npos)
        << c.path << " " << c.body << " -> " << r->body;
  }
  // Nothing was recorded from any of them.
  for (const json& i : server_->Incidents()) {
    for (const json& a : i.value("alerts", json::array())) {
      EXPECT_NE(a["labels"].value("a", ""), "b") << i.dump();
    }
  }
}

struct BadConfig {
  const char* text;
  int line;             // the position the error must name
  const char* message;  // and what it must say
};

// An alert acknowledged to its sender survives kill -9 even before the
// router notified it: the long group_wait keeps it in the router only, the
// intake journal brings it back on restart, and it then becomes an incident.
TEST(IntakeDurabilityTest, AnAcknowledgedAlertSurvivesKillNineBeforeItIsRouted) {
  HookReceiver hook;
  const std::string dir = MakeTempDir();
  const std::string config = Write(dir + "/firewatch.yml",
                                   "route: {receiver: oncall, group_by: ['...'], group_wait: 3s}\n"
                                   "receivers: [{name: oncall, webhook_configs: [{url: '" +
                                       hook.url() + "'}]}]\n");
  const std::string payload = R"({
    "version": "4", "status": "firing", "receiver": "firewatch",
    "alerts": [{"status": "firing",
                "labels": {"alertname": "QueueStuck", "service": "billing"},
                "annotations": {"summary": "queue not draining"},
                "startsAt": "2026-11-25T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}]})";
  {
    Serve server(config, dir + "/data");
    auto r = server.Post("/api/v1/intake/alertmanager", payload);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_TRUE(server.Incidents().empty()) << "still waiting in its group";
    server.process.Kill();
  }
  Serve server(config, dir + "/data");
  ASSERT_TRUE(PollUntil([&] { return server.Incidents().size() == 1; }))
      << "the acknowledged alert was lost with the process";
  EXPECT_EQ(server.Incidents()[0]["alerts"][0]["labels"]["alertname"], "QueueStuck");
  EXPECT_TRUE(PollUntil([&] { return hook.FiringFor("QueueStuck") >= 1; }));
}

TEST(IncidentFlowConfigTest, BadConfigExits2WithFileAndLine) {
  const BadConfig cases[] = {
      {"route: {receiver: oncall, group_wait: 0s}\n"
       "receivers:\n"
       "  - name: pager\n",
       1, "oncall"},
      {"global:\n"
       "  evaluation_interval: soon\n",
       2, "evaluation_interval"},
      {"route: {receiver: oncall}\n"
       "receivers:\n"
       "  - name: oncall\n"
       "    webhook_configs: [{url: 42}]\n"
       "rule_files: [nothing-here-*.yml]\n",
       5, "rule_files"},
  };
  const std::string dir = MakeTempDir();
  int n = 0;
  for (const BadConfig& c : cases) {
    const std::string file = Write(dir + "/bad" + std::to_string(n++) + ".yml", c.text);
    const std::string where = file + ":" + std::to_string(c.line) + ":";
    RunResult check = e2e::Run({FIREWATCH_BIN, "check", "config", file});
    EXPECT_EQ(check.exit_code, 2) << c.text << check.err;
    EXPECT_NE(check.err.find(where), std::string::npos) << where << "\n" << check.err;
    EXPECT_NE(check.err.find(c.message), std::string::npos) << check.err;
    RunResult serve =
        e2e::Run({FIREWATCH_BIN, "serve", "--config", file, "--data", dir + "/data", "--port", "0"},
                 {std::string("FIREWATCH_TOKEN=") + kToken});
    EXPECT_EQ(serve.exit_code, 2) << c.text << serve.err;
    EXPECT_NE(serve.err.find(where), std::string::npos) << where << "\n" << serve.err;
  }
}

}  // namespace
}  // namespace fw::e2e
