#include "alerting/time_interval.h"

#include <gtest/gtest.h>

#include "alerting/route.h"

namespace fw::alerting {
namespace {

std::vector<NamedTimeInterval> Parse(const std::string& yaml, std::vector<Error>* errors) {
  YamlReader r("fw.yml");
  auto doc = LoadYaml(yaml, "fw.yml");
  EXPECT_TRUE(doc) << doc.error().ToString();
  auto out = ParseTimeIntervals(r, *doc);
  *errors = r.errors();
  return out;
}

Timestamp At(const char* rfc3339) {
  auto t = ParseTimestamp(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t ? *t : 0;
}

struct ContainsCase {
  const char* interval;  // one entry of time_intervals, as YAML flow
  const char* at;
  bool contains;
};

class ContainsTest : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(ContainsTest, FollowsAlertmanager) {
  const ContainsCase& c = GetParam();
  std::vector<Error> errors;
  auto named = Parse(
      std::string("time_intervals: [{name: x, time_intervals: [") + c.interval + "]}]", &errors);
  ASSERT_TRUE(errors.empty()) << errors.front().ToString();
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].Contains(At(c.at)), c.contains) << c.interval << " at " << c.at;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ContainsTest,
    ::testing::Values(
        // An empty entry contains every instant.
        ContainsCase{"{}", "2026-11-25T10:00:00Z", true},
        // times: start inclusive, end exclusive; 24:00 ends the day.
        ContainsCase{"{times: [{start_time: '09:00', end_time: '17:00'}]}", "2026-11-25T09:00:00Z",
                     true},
        ContainsCase{"{times: [{start_time: '09:00', end_time: '17:00'}]}", "2026-11-25T17:00:00Z",
                     false},
        ContainsCase{"{times: [{start_time: '22:00', end_time: '24:00'}]}", "2026-11-25T23:59:59Z",
                     true},
        // weekdays: ranges inclusive; 2026-11-25 is a Wednesday.
        ContainsCase{"{weekdays: ['monday:wednesday']}", "2026-11-25T12:00:00Z", true},
        ContainsCase{"{weekdays: ['Thursday', friday]}", "2026-11-25T12:00:00Z", false},
        // In the location's local time: Wednesday 23:30 UTC is Thursday in Tokyo.
        ContainsCase{"{weekdays: [thursday], location: Asia/Tokyo}", "2026-11-25T23:30:00Z", true},
        // days_of_month: negative counts from the month's end, by its length.
        ContainsCase{"{days_of_month: ['-1']}", "2026-02-28T12:00:00Z", true},
        ContainsCase{"{days_of_month: ['-1']}", "2028-02-28T12:00:00Z", false},
        ContainsCase{"{days_of_month: ['-1']}", "2028-02-29T12:00:00Z", true},
        ContainsCase{"{days_of_month: ['1:7']}", "2026-11-07T12:00:00Z", true},
        ContainsCase{"{days_of_month: ['1:7']}", "2026-11-08T12:00:00Z", false},
        ContainsCase{"{days_of_month: ['25:-1']}", "2026-11-30T12:00:00Z", true},
        ContainsCase{"{days_of_month: ['31']}", "2026-11-30T12:00:00Z", false},
        // months by name or number, years.
        ContainsCase{"{months: ['january:march']}", "2026-03-31T12:00:00Z", true},
        ContainsCase{"{months: ['11']}", "2026-11-25T12:00:00Z", true},
        ContainsCase{"{months: [december]}", "2026-11-25T12:00:00Z", false},
        ContainsCase{"{years: ['2025:2026']}", "2026-11-25T12:00:00Z", true},
        ContainsCase{"{years: ['2027']}", "2026-11-25T12:00:00Z", false},
        // Every field must contain the instant.
        ContainsCase{"{weekdays: [wednesday], months: [december]}", "2026-11-25T12:00:00Z",
                     false}));

TEST(TimeIntervalTest, AnyEntryOfANamedIntervalContains) {
  std::vector<Error> errors;
  auto named = Parse(R"(
time_intervals:
  - name: off-hours
    time_intervals:
      - times: [{start_time: "00:00", end_time: "09:00"}]
      - weekdays: [saturday, sunday]
)",
                     &errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_TRUE(named[0].Contains(At("2026-11-25T08:59:00Z")));
  EXPECT_FALSE(named[0].Contains(At("2026-11-25T09:00:00Z")));
  EXPECT_TRUE(named[0].Contains(At("2026-11-28T15:00:00Z")));  // Saturday
}

struct ErrorCase {
  const char* yaml;
  const char* error;  // a part of the first error's text
};

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, SaysWhereAndWhat) {
  YamlReader r("fw.yml");
  auto doc = LoadYaml(GetParam().yaml, "fw.yml");
  ASSERT_TRUE(doc) << doc.error().ToString();
  ParseRouting(r, *doc);
  ASSERT_FALSE(r.ok()) << GetParam().yaml;
  EXPECT_NE(r.errors().front().ToString().find(GetParam().error), std::string::npos)
      << r.errors().front().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ErrorTest,
    ::testing::Values(
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{weekdays: [funday]}]}]",
                  "fw.yml:1:57: time_intervals[0].time_intervals[0].weekdays[0]: \"funday\": "
                  "expected a weekday name"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{weekdays: ['saturday:sunday']}]}]",
                  "the range ends before it begins (list both days instead"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{times: [{start_time: '9:00', "
                  "end_time: '17:00'}]}]}]",
                  "times[0].start_time: expected HH:MM"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{times: [{start_time: '22:00', "
                  "end_time: '02:00'}]}]}]",
                  "end_time must be after start_time"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{days_of_month: ['0']}]}]",
                  "expected a day 1..31 or -31..-1"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{months: ['13']}]}]",
                  "expected a month name or 1..12"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{location: Mars/Olympus}]}]",
                  "time_intervals[0].time_intervals[0].location"},
        ErrorCase{"time_intervals: [{name: x, time_intervals: [{hours: [1]}]}]", "unknown field"},
        ErrorCase{"time_intervals: [{name: x}, {name: x}]", "\"x\" is defined twice"},
        ErrorCase{"route: {receiver: r, routes: [{receiver: r, mute_time_intervals: [nope]}]}\n"
                  "receivers: [{name: r}]",
                  "fw.yml:1:66: route.routes[0].mute_time_intervals: undefined time interval "
                  "\"nope\""},
        ErrorCase{"route: {receiver: r, active_time_intervals: [x]}\nreceivers: [{name: r}]\n"
                  "time_intervals: [{name: x}]",
                  "the root route cannot have mute_time_intervals"},
        ErrorCase{"flap_detection: {window: 10m}", "flap_detection.max_changes: required"},
        ErrorCase{"flap_detection: {window: 0s, max_changes: 3}",
                  "fw.yml:1:26: flap_detection.window: must be > 0"},
        ErrorCase{"flap_detection: {max_changes: 3, stable_for: soon}",
                  "flap_detection.stable_for"}));

}  // namespace
}  // namespace fw::alerting
