// The path `firewatch report` takes, on a real incidents API: the responder
// records the analysis and runbook steps as timeline entries, the report
// reads the incident and its action items back over HTTP and rebuilds the
// same analysis, runs and items.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "incident/api.h"
#include "incident/sqlite_store.h"
#include "report/api_json.h"
#include "report/records_json.h"

namespace fw::report {
namespace {

using nlohmann::json;
using namespace fw::report::testing;

class ReportOverApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "fw_report_XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    auto store = incident::SqliteStore::Open(dir_ + "/i.db");
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    svc_ = std::make_unique<incident::IncidentService>(*store_, clock_);
    http_ = std::make_unique<server::HttpServer>(server::ServerOptions{}, clock_);
    incident::RegisterIncidentApi(*http_, *svc_, clock_);
    auto port = http_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
  }
  void TearDown() override {
    http_.reset();
    svc_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  json Get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Get(path);
    EXPECT_TRUE(res && res->status == 200) << path << ": " << (res ? res->body : "no answer");
    return res ? json::parse(res->body, nullptr, false) : json();
  }

  std::string dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<incident::SqliteStore> store_;
  std::unique_ptr<incident::IncidentService> svc_;
  std::unique_ptr<server::HttpServer> http_;
  int port_ = 0;
};

TEST_F(ReportOverApiTest, RebuildsWhatTheResponderRecorded) {
  const incident::Who bot{"firewatch", "runbook"};
  auto inc =
      svc_->Declare({"pool exhausted", {"checkout"}, incident::Severity::kP1, ""}, {"ann", "api"});
  ASSERT_TRUE(inc);
  const std::string id = inc->id;
  clock_.Advance(std::chrono::minutes(2));
  ASSERT_TRUE(svc_->Acknowledge(id, {"ann", "api"}));
  ASSERT_TRUE(svc_->AddNote(id, "root cause: db_pool_exhaustion", {"firewatch", "rca"},
                            AnalysisDetails(PoolAnalysis())));
  runbook::RunRecord run = PoolRun();
  run.incident_id = id;
  for (size_t i = 0; i < run.steps.size(); ++i) {
    ASSERT_TRUE(svc_->RecordAction(id, "step " + run.steps[i].name,
                                   RunbookStepDetails(run, run.steps[i], static_cast<int>(i)),
                                   bot));
  }
  ASSERT_TRUE(
      svc_->AddActionItems(id, {{"", "", "fix the leak", "bob", false, 0, {}}}, {"ann", "api"}));
  ASSERT_TRUE(svc_->SetActionItemDone(id, "AI-1", true, {"bob", "api"}));
  clock_.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(svc_->Resolve(id, {"ann", "api"}));

  auto fetched = IncidentFromApiJson(Get("/api/v1/incidents/" + id));
  ASSERT_TRUE(fetched) << fetched.error().ToString();
  EXPECT_EQ(fetched->incident.id, id);
  EXPECT_EQ(fetched->incident.severity, incident::Severity::kP1);
  EXPECT_EQ(fetched->incident.resolved_at, kT0 + 12 * kMin);
  EXPECT_EQ(fetched->incident.acknowledged_at, kT0 + 2 * kMin);
  std::vector<std::string> skipped;
  auto in = ReportInputFromTimeline(fetched->incident, fetched->timeline, &skipped);
  ASSERT_TRUE(in) << in.error().ToString();
  EXPECT_TRUE(skipped.empty());
  ASSERT_NE(in->analysis, nullptr);
  EXPECT_EQ(AnalysisToJson(*in->analysis), AnalysisToJson(PoolAnalysis()));
  ASSERT_EQ(in->runs.size(), 1u);
  EXPECT_EQ(RunRecordToJson(in->runs[0]), RunRecordToJson(run));
  ASSERT_EQ(in->action_items.size(), 1u);  // from the timeline notes
  EXPECT_TRUE(in->action_items[0].done);

  auto items = ActionItemsFromApiJson(Get("/api/v1/incidents/" + id + "/action_items"));
  ASSERT_TRUE(items) << items.error().ToString();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].id, "AI-1");
  EXPECT_EQ((*items)[0].owner, "bob");
  EXPECT_TRUE((*items)[0].done);

  const std::string md = RenderReport(*in, ReportFormat::kMarkdown);
  EXPECT_NE(md.find("- [x] AI-1: fix the leak (owner: bob)"), std::string::npos) << md;
  EXPECT_NE(md.find("| Containment started |"), std::string::npos);
}

TEST(ApiJsonTest, ExplainsMalformedAnswers) {
  EXPECT_FALSE(IncidentFromApiJson(json::array()));
  auto no_id = IncidentFromApiJson(json{{"data", {{"title", "x"}}}});
  ASSERT_FALSE(no_id);
  EXPECT_NE(no_id.error().message().find("\"id\""), std::string::npos);
  auto bad_time = IncidentFromApiJson(json{{"id", "INC-1"}, {"created_at", "yesterday"}});
  ASSERT_FALSE(bad_time);
  EXPECT_NE(bad_time.error().ToString().find("created_at"), std::string::npos)
      << bad_time.error().ToString();
  EXPECT_FALSE(ActionItemsFromApiJson(json{{"data", "nope"}}));
}

}  // namespace
}  // namespace fw::report
