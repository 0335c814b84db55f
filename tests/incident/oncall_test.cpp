#include "incident/oncall.h"

#include <gtest/gtest.h>

namespace fw::incident {
namespace {

const char* kConfig = R"(
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: weekly
        start: "2026-01-05 09:00"
        rotation: 1w
        users: [alice, bob, carol]
      - name: office-hours
        start: "2026-01-05 00:00"
        rotation: 1d
        users: [dave]
        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
    overrides:
      - {user: erin, start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}
  - name: nights
    layers:
      - start: "2026-01-01 00:00"
        rotation: 1d
        users: [night-owl]
        restrictions: [{start: "22:00", end: "06:00"}]
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {targets: ["schedule:primary"], delay: 5m}
      - {targets: ["user:lead", "schedule:nights"], delay: 10m}
)";

OnCallConfig Load(const std::string& yaml, std::vector<std::string>* errors = nullptr) {
  YamlReader r("fw.yml");
  auto doc = LoadYaml(yaml, "fw.yml");
  EXPECT_TRUE(doc);
  OnCallConfig cfg = ParseOnCall(r, *doc);
  for (const Error& e : r.errors()) {
    if (errors) {
      errors->push_back(e.ToString());
    } else {
      ADD_FAILURE() << e.ToString();
    }
  }
  return cfg;
}

Timestamp Berlin(int y, int mo, int d, int h, int mi) {
  return TimeZone::Load("Europe/Berlin")->FromLocal({y, mo, d, h, mi, 0});
}

TEST(ScheduleTest, WeeklyHandoffKeepsLocalTimeAcrossDst) {
  OnCallConfig cfg = Load(kConfig);
  const Schedule& s = *cfg.FindSchedule("primary");
  // Sunday 2026-03-29 is the spring-forward day; the handoff stays at 09:00.
  EXPECT_EQ(s.OnCall(Berlin(2026, 3, 30, 8, 59)), "carol");  // week 11
  EXPECT_EQ(s.OnCall(Berlin(2026, 3, 30, 9, 0)), "dave") << "office hours layer on top";
  EXPECT_EQ(s.OnCall(Berlin(2026, 3, 30, 17, 0)), "alice");  // week 12
  EXPECT_EQ(s.OnCall(Berlin(2026, 1, 5, 8, 0)), "") << "before the first handoff";
  EXPECT_EQ(s.OnCall(Berlin(2026, 1, 10, 12, 0)), "alice") << "Saturday: no office layer";
  EXPECT_EQ(s.OnCall(Berlin(2026, 12, 25, 12, 0)), "erin") << "override";
  const Schedule& nights = *cfg.FindSchedule("nights");
  EXPECT_EQ(nights.OnCall(TimeZone::Utc().FromLocal({2026, 5, 1, 23, 0, 0})), "night-owl");
  EXPECT_EQ(nights.OnCall(TimeZone::Utc().FromLocal({2026, 5, 2, 5, 59, 0})), "night-owl");
  EXPECT_EQ(nights.OnCall(TimeZone::Utc().FromLocal({2026, 5, 2, 6, 0, 0})), "");
}

TEST(ScheduleTest, ShiftsMergeMinutes) {
  OnCallConfig cfg = Load(kConfig);
  const Schedule& s = *cfg.FindSchedule("primary");
  // Friday 2026-01-09: alice, dave 09-17, alice.
  auto shifts = s.Shifts(Berlin(2026, 1, 9, 0, 0), Berlin(2026, 1, 10, 0, 0));
  ASSERT_EQ(shifts.size(), 3u);
  EXPECT_EQ(shifts[1].user, "dave");
  EXPECT_EQ(shifts[1].start, Berlin(2026, 1, 9, 9, 0));
  EXPECT_EQ(shifts[1].end, Berlin(2026, 1, 9, 17, 0));
  EXPECT_EQ(shifts[2].user, "alice");
}

TEST(ScheduleTest, WhoIsOnCallBoundsTheShiftAcrossDst) {
  OnCallConfig cfg = Load(kConfig);
  const Schedule& s = *cfg.FindSchedule("primary");
  // Saturday 2026-03-28 12:00, Berlin: the weekly layer alone covers the
  // weekend; its shift runs Monday 09:00 to Monday 09:00, across the spring
  // change, so it is an hour shorter than a week.
  const OnCallAt w = WhoIsOnCall(s, Berlin(2026, 3, 28, 12, 0));
  ASSERT_FALSE(w.user.empty());
  ASSERT_TRUE(w.since && w.until);
  EXPECT_EQ(*w.since, Berlin(2026, 3, 27, 17, 0)) << "office hours end Friday 17:00";
  EXPECT_EQ(*w.until, Berlin(2026, 3, 30, 9, 0)) << "office hours start Monday 09:00";
  EXPECT_EQ(s.OnCall(*w.since), w.user);
  EXPECT_NE(s.OnCall(*w.since - 1), w.user);
  EXPECT_NE(s.OnCall(*w.until), w.user);
  // An override bounds the shift exactly.
  const OnCallAt xmas = WhoIsOnCall(s, Berlin(2026, 12, 25, 12, 0));
  EXPECT_EQ(xmas.user, "erin");
  EXPECT_EQ(xmas.since, ParseTimestamp("2026-12-24T00:00:00Z").value());
  EXPECT_EQ(xmas.until, ParseTimestamp("2026-12-27T00:00:00Z").value());
  // Nobody: the nights schedule by day, bounded by 06:00 and 22:00 UTC.
  const OnCallAt day = WhoIsOnCall(*cfg.FindSchedule("nights"),
                                   ParseTimestamp("2026-06-01T12:00:00Z").value());
  EXPECT_EQ(day.user, "");
  EXPECT_EQ(day.since, ParseTimestamp("2026-06-01T06:00:00Z").value());
  EXPECT_EQ(day.until, ParseTimestamp("2026-06-01T22:00:00Z").value());
}

TEST(ScheduleTest, WhoIsOnCallSaysWhenTheShiftIsBeyondTheSearch) {
  OnCallConfig cfg = Load(R"(
schedules:
  - name: quarterly
    layers:
      - {start: "2026-01-01 00:00", rotation: 90d, users: [ann, ben]}
)");
  const OnCallAt w = WhoIsOnCall(*cfg.FindSchedule("quarterly"),
                                 ParseTimestamp("2026-02-15T00:00:00Z").value());
  EXPECT_EQ(w.user, "ann");
  EXPECT_FALSE(w.since) << "the handoff is 45 days back, past the 14-day search";
  EXPECT_FALSE(w.until);
}

TEST(EscalationTest, LevelsRepeatUntilAcknowledged) {
  OnCallConfig cfg = Load(kConfig);
  const Timestamp t0 = TimeZone::Utc().FromLocal({2026, 5, 2, 3, 0, 0});  // Saturday night
  Escalation e(*cfg.FindPolicy("default"), cfg, t0);
  std::vector<std::string> log;
  for (Timestamp t = t0; t <= t0 + 3'600'000; t += 60'000) {
    for (const Page& p : e.Due(t)) {
      std::string who;
      for (const std::string& u : p.users) who += u + ",";
      log.push_back(std::to_string((p.at - t0) / 60'000) + "m L" + std::to_string(p.level) + " R" +
                    std::to_string(p.round) + " " + who);
    }
  }
  EXPECT_EQ(log, (std::vector<std::string>{"0m L0 R0 bob,", "5m L1 R0 lead,night-owl,",
                                           "15m L0 R1 bob,", "20m L1 R1 lead,night-owl,"}));
  EXPECT_FALSE(e.Next());
  Escalation acked(*cfg.FindPolicy("default"), cfg, t0);
  EXPECT_EQ(acked.Due(t0).size(), 1u);
  acked.Acknowledge();
  EXPECT_TRUE(acked.Due(t0 + 3'600'000).empty());
}

TEST(OnCallConfigTest, ErrorsNameTheField) {
  std::vector<std::string> errors;
  Load(R"(
schedules:
  - name: s
    time_zone: Mars/Olympus
    layers: [{start: "2026-01-01", users: [a], restrictions: [{days: [funday]}]}]
escalation_policies:
  - name: p
    levels: [{targets: ["schedule:nope", "team:x"]}]
)",
       &errors);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("schedules[0].time_zone: unknown time zone"), std::string::npos);
  EXPECT_NE(errors[1].find("layers[0].start: expected a local time"), std::string::npos);
  EXPECT_NE(errors[2].find("unknown day \"funday\""), std::string::npos);
  EXPECT_NE(errors[3].find("unknown target \"schedule:nope\""), std::string::npos);
  EXPECT_NE(errors[4].find("unknown target \"team:x\""), std::string::npos);
}

}  // namespace
}  // namespace fw::incident
