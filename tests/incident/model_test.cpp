// The incident model: names, ids and the lifecycle rules.

#include <gtest/gtest.h>

#include "incident/incident.h"

namespace fw::incident {
namespace {

Incident In(State s) {
  Incident i;
  i.id = "INC-7";
  i.state = s;
  return i;
}

TEST(ModelTest, NamesRoundTrip) {
  for (int s = 0; s < 5; ++s) {
    EXPECT_EQ(*ParseState(StateName(static_cast<State>(s))), static_cast<State>(s));
  }
  for (int k = 0; k <= static_cast<int>(EntryKind::kAction); ++k) {
    EXPECT_EQ(*ParseEntryKind(EntryKindName(static_cast<EntryKind>(k))), static_cast<EntryKind>(k));
  }
  EXPECT_EQ(*ParseRole("communications"), Role::kCommunications);
  EXPECT_EQ(*ParseSeverity("P1"), Severity::kP1);
  EXPECT_EQ(*ParseSeverity("p4"), Severity::kP4);
  EXPECT_EQ(*ParseSeverity("2"), Severity::kP2);
  EXPECT_FALSE(ParseSeverity("P5"));
  EXPECT_FALSE(ParseSeverity(""));
  auto bad = ParseState("open");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("triggered, acknowledged"), std::string::npos);
}

TEST(ModelTest, IncidentIds) {
  EXPECT_EQ(FormatIncidentId(42), "INC-42");
  EXPECT_EQ(*ParseIncidentId("INC-42"), 42);
  for (const char* bad : {"42", "INC-", "INC-0", "INC-4x", "INC--1", "ABC-1"}) {
    auto r = ParseIncidentId(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(ModelTest, ForwardStepsAndReopenAreAllowed) {
  EXPECT_TRUE(ValidateTransition(In(State::kTriggered), State::kAcknowledged));
  EXPECT_TRUE(ValidateTransition(In(State::kTriggered), State::kResolved));
  EXPECT_TRUE(ValidateTransition(In(State::kAcknowledged), State::kMitigated));
  EXPECT_TRUE(ValidateTransition(In(State::kMitigated), State::kResolved));
  EXPECT_TRUE(ValidateTransition(In(State::kResolved), State::kClosed));
  EXPECT_TRUE(ValidateTransition(In(State::kResolved), State::kTriggered));
  EXPECT_TRUE(ValidateTransition(In(State::kClosed), State::kTriggered));
}

TEST(ModelTest, InvalidTransitionsSayWhy) {
  auto r = ValidateTransition(In(State::kClosed), State::kAcknowledged);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "cannot move INC-7 to acknowledged: it is closed (from closed it can go to: "
            "triggered)");
  auto again = ValidateTransition(In(State::kAcknowledged), State::kAcknowledged);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("INC-7 is already acknowledged"), std::string::npos);
  EXPECT_FALSE(ValidateTransition(In(State::kTriggered), State::kClosed));
  EXPECT_FALSE(ValidateTransition(In(State::kMitigated), State::kAcknowledged));
  EXPECT_FALSE(ValidateTransition(In(State::kTriggered), State::kTriggered));
  EXPECT_FALSE(ValidateTransition(In(State::kResolved), State::kMitigated));
}

TEST(ModelTest, ReopenClearsTheCycleTimes) {
  Incident i = In(State::kTriggered);
  ApplyTransition(i, State::kAcknowledged, 10);
  ApplyTransition(i, State::kResolved, 20);
  ApplyTransition(i, State::kClosed, 30);
  EXPECT_EQ(i.acknowledged_at, 10);
  EXPECT_EQ(i.resolved_at, 20);
  EXPECT_EQ(i.closed_at, 30);
  ApplyTransition(i, State::kTriggered, 40);
  EXPECT_EQ(i.state, State::kTriggered);
  EXPECT_FALSE(i.acknowledged_at || i.resolved_at || i.closed_at || i.mitigated_at);
  EXPECT_TRUE(i.IsOpen());
}

}  // namespace
}  // namespace fw::incident
