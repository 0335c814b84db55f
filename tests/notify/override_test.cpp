// Overrides and shift swaps made while serving: durable, newest wins, and
// visible in who is on call (the API `oncall who --server` reads).

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "incident/oncall.h"
#include "incident/oncall_api.h"
#include "incident/override_book.h"

namespace fw::incident {
namespace {

constexpr Timestamp kHour = 3'600'000;

OnCallConfig Config() {
  YamlReader r("firewatch.yml");
  auto doc = LoadYaml(R"(
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - {name: daily, start: "2026-03-27 09:00", rotation: 1d, users: [alice, bob]}
)",
                      "firewatch.yml");
  EXPECT_TRUE(doc);
  OnCallConfig c = ParseOnCall(r, *doc);
  EXPECT_TRUE(r.ok());
  return c;
}

// A schedule whose overrides are kept in a new book.
struct Booked {
  std::string dir = e2e::MakeTempDir();
  OnCallConfig config = Config();
  Result<std::unique_ptr<OverrideBook>> book = OverrideBook::Open(dir + "/overrides.jsonl");
  Booked() {
    EXPECT_TRUE(book);
    if (book) config.schedules[0].book = book->get();
  }
};

TEST(OverrideBookTest, OverrideAndSwapChangeWhoIsOnCallAndSurviveARestart) {
  Booked b;
  auto& [dir, config, book] = b;
  ASSERT_TRUE(book);
  const Schedule& s = config.schedules[0];
  // Bob's day: 2026-03-28 09:00 CET (08:00Z) to 2026-03-29 09:00 CEST (07:00Z).
  const Timestamp noon = *ParseTimestamp("2026-03-28T12:00:00Z");
  ASSERT_EQ(s.OnCall(noon), "bob");

  auto o = (*book)->Add({"", "primary", "erin", noon - kHour, noon + kHour, "ops", "dentist"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->id, "ovr-1");
  EXPECT_EQ(s.OnCall(noon), "erin");
  EXPECT_EQ(s.OnCall(noon + 2 * kHour), "bob");

  // Dave covers bob's shifts in the window: bob's day, around erin's hour
  // (shifts are who is on call, overrides included).
  auto swapped = (*book)->Swap(s, "bob", "dave", *ParseTimestamp("2026-03-28T00:00:00Z"),
                               *ParseTimestamp("2026-03-30T00:00:00Z"), "ops");
  ASSERT_TRUE(swapped) << swapped.error().ToString();
  ASSERT_EQ(swapped->size(), 2u) << "bob's shift, cut by erin's override in the middle";
  EXPECT_EQ((*swapped)[0].start, *ParseTimestamp("2026-03-28T08:00:00Z"));
  EXPECT_EQ((*swapped)[1].end, *ParseTimestamp("2026-03-29T07:00:00Z")) << "09:00 CEST";
  EXPECT_EQ(s.OnCall(noon + 2 * kHour), "dave");
  EXPECT_EQ(s.OnCall(noon), "erin");
  EXPECT_EQ(s.OnCall(*ParseTimestamp("2026-03-29T07:30:00Z")), "alice")
      << "swap ends with bob's day";
  EXPECT_FALSE((*book)->Swap(s, "bob", "dave", noon, noon + kHour, "ops"))
      << "bob has no shift left there";
  auto too_long = (*book)->Swap(s, "alice", "dave", noon, noon + kMaxSwapWindow + 1, "ops");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().message(), "a swap's window is at most 92 days");

  ASSERT_TRUE((*book)->Remove("ovr-1"));
  EXPECT_EQ((*book)->Remove("ovr-1").error().code(), ErrorCode::kNotFound);

  auto reopened = OverrideBook::Open(dir + "/overrides.jsonl");
  ASSERT_TRUE(reopened);
  config.schedules[0].book = reopened->get();
  EXPECT_EQ((*reopened)->List().size(), 2u);
  EXPECT_EQ(s.OnCall(noon + 2 * kHour), "dave");
  EXPECT_EQ(s.OnCall(noon), "bob") << "erin's override was removed";
  auto next = (*reopened)->Add({"", "primary", "erin", noon, noon + kHour, "ops", ""});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, "ovr-4") << "ids are not reused";
}

TEST(OverrideApiTest, SwapThroughTheApiShowsInWho) {
  Booked b;
  auto& [dir, config, book] = b;
  ASSERT_TRUE(book);
  ManualClock clock(*ParseTimestamp("2026-03-28T12:00:00Z"));
  server::ServerOptions opts;
  opts.tokens.push_back({"resp", server::Role::kResponder, "ops"});
  opts.tokens.push_back({"view", server::Role::kViewer, "watcher"});
  server::HttpServer http(opts, clock);
  RegisterOnCallApi(http, config, clock);
  RegisterOverrideApi(http, config, **book);
  auto port = http.Start();
  ASSERT_TRUE(port);
  httplib::Client c("127.0.0.1", *port);
  c.set_bearer_token_auth("view");
  const std::string swap = R"({"schedule": "primary", "from": "bob", "to": "carol",
      "start": "2026-03-28T00:00:00Z", "end": "2026-03-29T00:00:00Z"})";
  auto refused = c.Post("/api/v1/oncall/swaps", swap, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << "a viewer cannot change the schedule";
  c.set_bearer_token_auth("resp");
  auto made = c.Post("/api/v1/oncall/swaps", swap, "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  auto who = c.Get("/api/v1/oncall?schedule=primary");
  ASSERT_TRUE(who);
  const auto j = nlohmann::json::parse(who->body);
  EXPECT_EQ(j["data"]["schedules"][0]["on_call"], "carol");
  auto bad = c.Post("/api/v1/oncall/overrides", R"({"schedule": "nope", "user": "x",
      "start": "2026-03-28T00:00:00Z", "end": "2026-03-29T00:00:00Z"})",
                    "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 404);
  auto missing =
      c.Post("/api/v1/oncall/overrides", R"({"schedule": "primary"})", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_NE(missing->body.find("user: required"), std::string::npos) << missing->body;
}

}  // namespace
}  // namespace fw::incident
