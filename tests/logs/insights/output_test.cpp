#include "logs/insights/output.h"

#include <gtest/gtest.h>

namespace fw::logs::insights {
namespace {

QueryResult Sample() {
  QueryResult r;
  r.columns = {"bin(1m)", "count(*)", "msg", "ok"};
  r.rows.push_back({Value::Time(1768487100000), Value::Number(42), Value::String("a \"q\", b"),
                    Value::Bool(true)});
  r.rows.push_back({Value::Time(1768487160000), Value::Number(2.5), Value(), Value::Bool(false)});
  return r;
}

TEST(OutputTest, Json) {
  EXPECT_EQ(
      Render(Sample(), OutputFormat::kJson),
      "[\n"
      "  {\"bin(1m)\": \"2026-01-15 14:25:00.000\", \"count(*)\": 42, \"msg\": \"a \\\"q\\\", "
      "b\", \"ok\": true},\n"
      "  {\"bin(1m)\": \"2026-01-15 14:26:00.000\", \"count(*)\": 2.5, \"msg\": null, "
      "\"ok\": false}\n"
      "]\n");
  QueryResult empty;
  empty.columns = {"a"};
  EXPECT_EQ(Render(empty, OutputFormat::kJson), "[]\n");
}

TEST(OutputTest, Csv) {
  EXPECT_EQ(Render(Sample(), OutputFormat::kCsv),
            "bin(1m),count(*),msg,ok\r\n"
            "2026-01-15 14:25:00.000,42,\"a \"\"q\"\", b\",true\r\n"
            "2026-01-15 14:26:00.000,2.5,,false\r\n");
}

TEST(OutputTest, Table) {
  EXPECT_EQ(Render(Sample(), OutputFormat::kTable),
            "bin(1m)                 | count(*) | msg      | ok\n"
            "------------------------+----------+----------+------\n"
            "2026-01-15 14:25:00.000 | 42       | a \"q\", b | true\n"
            "2026-01-15 14:26:00.000 | 2.5      |          | false\n");
}

TEST(OutputTest, FormatNames) {
  EXPECT_TRUE(ParseOutputFormat("json"));
  auto bad = ParseOutputFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("table, json or csv"), std::string::npos);
}

}  // namespace
}  // namespace fw::logs::insights
