// Runs the data-driven Logs Insights suite: every testdata/*.test file is one
// test. A file holds blocks separated by blank lines:
//
//   input                   events, one log line each (NDJSON or plain text);
//   <line>...               replaces the events of earlier blocks
//
//   limits k=v ...          default_limit, max_rows, max_groups for what follows
//   range START END         time range (RFC 3339 or "-" for open) for what follows
//
//   query                   a query (one or more lines), then ----, then the
//   <query>                 expected header (columns joined by " | ") and rows;
//   ----                    an absent value prints as NULL
//   <header>
//   <rows>...
//
//   error                   a query that must fail; the line after ---- must
//   <query>                 appear in the error ("1:8: unknown function")
//   ----
//   <expected text>
//
// Lines starting with '#' outside blocks are comments.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "logs/event_source.h"
#include "logs/insights/executor.h"
#include "logs/insights/parser.h"
#include "logs/ndjson_reader.h"

namespace fw::logs::insights {
namespace {

std::vector<std::string> TestFiles() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(FW_INSIGHTS_TESTDATA)) {
    if (e.path().extension() == ".test") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string Cell(const Value& v) { return v.is_null() ? "NULL" : v.ToString(); }

std::string RenderRows(const QueryResult& r) {
  std::string out;
  for (size_t i = 0; i < r.columns.size(); ++i) out += (i ? " | " : "") + r.columns[i];
  out += "\n";
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? " | " : "") + Cell(row[i]);
    out += "\n";
  }
  return out;
}

std::vector<LogEvent> Decode(const std::vector<std::string>& lines) {
  std::vector<LogEvent> events;
  Timestamp last = 0;
  for (const std::string& l : lines) {
    LogEvent e = DecodeLine(l, last);
    last = e.timestamp;
    e.log_stream = "test.log";
    e.log_group = "testdata";
    events.push_back(std::move(e));
  }
  return events;
}

// The same query over the input written to a file, read with the query's
// projection and line filter and split into parts scanned on threads:
// rows must not change. (@log and @logStream name the file there.)
std::optional<std::string> OverFile(const Query& q, const std::vector<std::string>& input,
                                    const TimeRange& range, QueryLimits limits) {
  if (q.text.find("@log") != std::string::npos) return std::nullopt;
  const std::string path =
      testing::TempDir() + "/insights_suite_" + std::to_string(::getpid()) + ".log";
  {
    std::ofstream out(path, std::ios::trunc);
    for (const std::string& l : input) out << l << "\n";
  }
  ManualClock clock(0);
  FileEventSource source({path}, clock);
  source.set_min_split_bytes(1);
  limits.threads = 3;
  auto r = Execute(q, source, range, clock, limits);
  std::filesystem::remove(path);
  if (!r) return "error: " + r.error().ToString();
  return RenderRows(*r);
}

// Equal, except that numbers may differ in their last digits (sums merged
// from threads add in another order).
bool SameRows(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::istringstream x(a), y(b);
  std::string cx, cy;
  while (true) {
    const bool more_x = static_cast<bool>(x >> cx), more_y = static_cast<bool>(y >> cy);
    if (more_x != more_y) return false;
    if (!more_x) return true;
    if (cx == cy) continue;
    char* ex = nullptr;
    char* ey = nullptr;
    const double dx = std::strtod(cx.c_str(), &ex), dy = std::strtod(cy.c_str(), &ey);
    if (*ex != '\0' || *ey != '\0' || std::abs(dx - dy) > 1e-12 * std::abs(dx)) return false;
  }
}

class InsightsSuite : public testing::TestWithParam<std::string> {};

struct Cursor {
  const std::vector<std::string>& lines;
  size_t i = 0;
  bool done() const { return i >= lines.size(); }
  // Lines up to the next blank line (or ---- when stop_at_dashes).
  std::vector<std::string> Block(bool stop_at_dashes) {
    std::vector<std::string> out;
    while (i < lines.size() && !lines[i].empty() && !(stop_at_dashes && lines[i] == "----")) {
      out.push_back(lines[i++]);
    }
    return out;
  }
};

Timestamp TimeArg(const std::string& s) {
  auto t = ParseTimestamp(s);
  EXPECT_TRUE(t) << s;
  return t ? *t : 0;
}

TEST_P(InsightsSuite, File) {
  const std::string path = std::string(FW_INSIGHTS_TESTDATA) + "/" + GetParam();
  const std::vector<std::string> lines = ReadLines(path);
  Cursor cur{lines};
  std::vector<LogEvent> events;
  std::vector<std::string> input;
  QueryLimits limits;
  TimeRange range;
  ManualClock clock(0);
  int cases = 0;
  while (!cur.done()) {
    const std::string head = lines[cur.i];
    const int head_line = static_cast<int>(cur.i) + 1;
    ++cur.i;
    if (head.empty() || head[0] == '#') continue;
    if (head == "input") {
      input = cur.Block(false);
      events = Decode(input);
    } else if (head.rfind("limits", 0) == 0) {
      limits = QueryLimits();
      std::istringstream in(head.substr(6));
      for (std::string kv; in >> kv;) {
        const auto eq = kv.find('=');
        const int64_t v = std::stoll(kv.substr(eq + 1));
        const std::string k = kv.substr(0, eq);
        if (k == "default_limit")
          limits.default_limit = v;
        else if (k == "max_rows")
          limits.max_rows = v;
        else if (k == "max_groups")
          limits.max_groups = v;
        else
          ADD_FAILURE() << path << ":" << head_line << ": unknown limit " << k;
      }
    } else if (head.rfind("range", 0) == 0) {
      std::istringstream in(head.substr(5));
      std::string s, e;
      in >> s >> e;
      range = TimeRange();
      if (s != "-") range.start = TimeArg(s);
      if (e != "-") range.end = TimeArg(e);
    } else if (head == "query" || head == "error") {
      std::vector<std::string> q = cur.Block(true);
      std::string query;
      for (const std::string& l : q) query += (query.empty() ? "" : "\n") + l;
      if (cur.done() || lines[cur.i] != "----") {
        ADD_FAILURE() << path << ":" << head_line << ": missing ----";
        return;
      }
      ++cur.i;
      std::vector<std::string> expected = cur.Block(false);
      ++cases;
      auto parsed = ParseQuery(query);
      Result<QueryResult> r = parsed ? [&] {
        VectorEventSource source(events);
        return Execute(*parsed, source, range, clock, limits);
      }()
                                     : Result<QueryResult>(std::unexpected(parsed.error()));
      const std::string where = path + ":" + std::to_string(head_line) + ": " + query;
      if (head == "error") {
        ASSERT_FALSE(r) << where << "\nexpected an error, got\n" << RenderRows(*r);
        const std::string want = expected.empty() ? "" : expected[0];
        EXPECT_NE(r.error().ToString().find(want), std::string::npos)
            << where << "\nwant: " << want << "\ngot:  " << r.error().ToString();
        continue;
      }
      ASSERT_TRUE(r) << where << "\n" << r.error().ToString();
      std::string want;
      for (const std::string& l : expected) want += l + "\n";
      EXPECT_EQ(RenderRows(*r), want) << where;
      if (auto over_file = OverFile(*parsed, input, range, limits)) {
        EXPECT_TRUE(SameRows(*over_file, want))
            << where << "\n(over a file, split, on threads) got:\n"
            << *over_file << "want:\n"
            << want;
      }
    } else {
      ADD_FAILURE() << path << ":" << head_line << ": unknown block \"" << head << "\"";
      return;
    }
  }
  EXPECT_GT(cases, 0) << path;
  RecordProperty("cases", cases);
}

INSTANTIATE_TEST_SUITE_P(Testdata, InsightsSuite, testing::ValuesIn(TestFiles()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace fw::logs::insights
