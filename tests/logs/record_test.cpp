// Log events: field discovery, times, and reading files.
#include "logs/record.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "logs/ndjson_reader.h"

namespace fw::logs {
namespace {

const Value* FieldOf(const LogEvent& e, const std::string& name) {
  for (const auto& [n, v] : e.fields) {
    if (n == name) return &v;
  }
  return nullptr;
}

TEST(RecordTest, FlattensNestedObjectsAndArrays) {
  const LogEvent e = DecodeLine(
      R"({"a":{"b":{"c":"x"}},"items":[{"id":1},{"id":2,"tags":["p","q"]}],"f":1.5,"t":false})", 7);
  ASSERT_NE(FieldOf(e, "a.b.c"), nullptr);
  EXPECT_EQ(FieldOf(e, "a.b.c")->str(), "x");
  EXPECT_EQ(FieldOf(e, "items.1.id")->number(), 2);
  EXPECT_EQ(FieldOf(e, "items.1.tags.0")->str(), "p");
  EXPECT_EQ(FieldOf(e, "f")->kind(), Value::Kind::kNumber);
  EXPECT_EQ(FieldOf(e, "t")->kind(), Value::Kind::kBool);
  EXPECT_EQ(e.timestamp, 7) << "no time in the line: the fallback";
  EXPECT_FALSE(e.has_time);
}

TEST(RecordTest, MalformedJsonIsPlainText) {
  const LogEvent e = DecodeLine(R"({"a":1, oops)", 5);
  EXPECT_TRUE(e.fields.empty());
  EXPECT_EQ(e.message, R"({"a":1, oops)");
}

TEST(RecordTest, LeadingTimes) {
  auto t = ParseLeadingTime("2026-01-15T14:25:00Z rest");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->first, 1768487100000);
  EXPECT_EQ(t->second, 20u);
  EXPECT_EQ(ParseLeadingTime("2026-01-15 14:25:00.5")->first, 1768487100500);
  EXPECT_EQ(ParseLeadingTime("2026-01-15T16:25:00+02:00")->first, 1768487100000);
  EXPECT_EQ(ParseLeadingTime("2026-01-15T13:25:00-0100")->first, 1768487100000);
  EXPECT_FALSE(ParseLeadingTime("2026-13-15T14:25:00Z"));
  EXPECT_FALSE(ParseLeadingTime("15/Jan/2026:14:25:00"));
  EXPECT_FALSE(ParseLeadingTime("2026-01-15"));
}

TEST(RecordTest, FileSourceReadsLinesAndKeepsOverlongOnes) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("fw_record_test_" + std::to_string(getpid())))
          .string();
  {
    std::ofstream out(path);
    out << "{\"@timestamp\":\"2026-01-15T14:00:00Z\",\"k\":1}\n";
    out << "continuation\r\n";
    out << std::string(100, 'x') << "\n";
    out << "last line without newline";
  }
  ManualClock clock(42);
  FileEventSource src({path}, clock, /*max_line_bytes=*/50);
  std::vector<LogEvent> events;
  ASSERT_TRUE(src.Scan({}, [&](const LogEvent& e) {
    events.push_back(e);
    return true;
  }));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].message, "continuation");
  EXPECT_EQ(events[1].timestamp, events[0].timestamp) << "inherits the previous time";
  EXPECT_EQ(events[2].message.size(), 50u);
  EXPECT_EQ(src.truncated_lines(), 1);
  EXPECT_EQ(events[3].message, "last line without newline");
  EXPECT_EQ(events[0].log_group, path);
  EXPECT_EQ(events[0].log_stream, std::filesystem::path(path).filename().string());

  TimeRange none;
  none.start = events[0].timestamp + 1;
  int n = 0;
  ASSERT_TRUE(src.Scan(none, [&](const LogEvent&) { return ++n, true; }));
  EXPECT_EQ(n, 0);
  std::filesystem::remove(path);
}

std::vector<LogEvent> ScanAll(EventSource& src) {
  std::vector<LogEvent> events;
  EXPECT_TRUE(src.Scan({}, [&](const LogEvent& e) {
    events.push_back(e);
    return true;
  }));
  return events;
}

// Parts of a split file, scanned in turn, give the events of the whole, the
// times of untimed lines after a cut included; long lines straddling reads
// and cuts stay whole.
TEST(RecordTest, SplitFileGivesTheSameEvents) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("fw_split_test_" + std::to_string(getpid())))
          .string();
  {
    std::ofstream out(path);
    // About 9 MB; the 1.2 MiB line lies before the first cut (at 1/5).
    for (int i = 0; i < 30000; ++i) {
      if (i == 1501) {
        out << std::string(1200 << 10, 'L') << "\n";  // over the 1 MiB read size
      } else if (i % 3 == 0) {
        out << "{\"ts\":" << 1768485600000 + i << ",\"i\":" << i << ",\"pad\":\""
            << std::string(200 + i % 97, 'p') << "\"}\n";
      } else {
        out << "untimed " << i << " " << std::string(200, 'u') << "\n";
      }
    }
    out << "last, no newline";
  }
  ManualClock clock(7);
  FileEventSource whole({path}, clock);
  const std::vector<LogEvent> want = ScanAll(whole);
  ASSERT_EQ(want.size(), 30001u);
  FileEventSource split({path}, clock);
  split.set_min_split_bytes(1);
  auto parts = split.Split(5);
  ASSERT_EQ(parts.size(), 5u);
  std::vector<LogEvent> got;
  for (auto& p : parts) {
    for (LogEvent& e : ScanAll(*p)) got.push_back(std::move(e));
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].message, want[i].message) << i;
    EXPECT_EQ(got[i].timestamp, want[i].timestamp) << i;
  }
  EXPECT_EQ(split.truncated_lines(), 1) << "counted over the parts";

  FileEventSource unsplit({path}, clock);
  unsplit.set_min_split_bytes(100 << 20);
  EXPECT_TRUE(unsplit.Split(2).empty()) << "under min_split_bytes: not worth threads";
  std::filesystem::remove(path);
}

TEST(RecordTest, ProjectionAndLineFilter) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("fw_proj_test_" + std::to_string(getpid())))
          .string();
  std::ofstream(path) << "{\"ts\":5,\"a\":\"x\",\"b\":{\"c\":2}}\n{\"ts\":6,\"a\":\"y\"}\n";
  ManualClock clock(0);
  FileEventSource src({path}, clock);
  const FieldSet fields{{"b.c", "ts"}};
  const std::function<bool(std::string_view)> keep = [](std::string_view l) {
    return l.find("\"x\"") != std::string_view::npos;
  };
  src.SetHints(ScanHints{&fields, &keep});
  const std::vector<LogEvent> events = ScanAll(src);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].timestamp, 5);
  EXPECT_EQ(events[0].fields.size(), 2u);  // ts and b.c; a left out
  ASSERT_NE(FieldOf(events[0], "b.c"), nullptr);
  EXPECT_EQ(FieldOf(events[0], "a"), nullptr);
  EXPECT_TRUE(events[0].message.empty()) << "@message not wanted";
  EXPECT_TRUE(events[0].log_group.empty());
  EXPECT_EQ(src.filtered_lines(), 1);
  std::filesystem::remove(path);
}

TEST(RecordTest, MissingFileIsAnError) {
  ManualClock clock;
  FileEventSource src({"/nonexistent/fw.log"}, clock);
  auto r = src.Scan({}, [](const LogEvent&) { return true; });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/nonexistent/fw.log"), std::string::npos);
}

TEST(ValueTest, NumbersAndOrder) {
  EXPECT_EQ(Value::Number(200).ToString(), "200");
  EXPECT_EQ(Value::Number(13.4).ToString(), "13.4");
  EXPECT_EQ(Value::Time(1768487100123).ToString(), "2026-01-15 14:25:00.123");
  EXPECT_EQ(*Value::String("1e3").AsNumber(), 1000);
  EXPECT_FALSE(Value::String("12abc").AsNumber());
  EXPECT_FALSE(Value::String("").AsNumber());
  EXPECT_FALSE(Value::String(" 1").AsNumber());
  // The documented ascending order: non-numbers first, natural chunks.
  const std::vector<std::string> sorted = {"!:",    "#",  "*%04", "0#", "5A",        "111A",
                                           "2345_", "@",  "@_",   "A",  "A9876fghj", "a12345hfh",
                                           "0",     "01", "1",    "2",  "3"};
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    EXPECT_LE(CompareForSort(Value::String(sorted[i]), Value::String(sorted[i + 1])), 0)
        << sorted[i] << " vs " << sorted[i + 1];
  }
  EXPECT_GT(CompareForSort(Value(), Value::String("z")), 0) << "nulls last";
}

}  // namespace
}  // namespace fw::logs
