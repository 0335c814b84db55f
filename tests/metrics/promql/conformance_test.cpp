// Runs the parser over Prometheus's promqltest files (../shared/conformance):
// every script must be readable, and every eval that is not expected to fail
// must parse. Nothing is evaluated here.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "metrics/promql/parser.h"
#include "metrics/promql/test_script.h"

namespace fw::metrics::promql {
namespace {

const std::filesystem::path kDir = FW_PROMQL_CONFORMANCE_DIR;

constexpr std::string_view kCoreFiles[] = {
    "aggregators", "functions", "histograms",    "literals", "operators",
    "selectors",   "staleness", "range_queries", "limit",    "name_label_dropping",
};

struct Coverage {
  int evals = 0;
  int loads = 0;
  int must_parse = 0;  // evals not expected to fail
  std::vector<std::string> failures;
};

Coverage Measure(const TestScript& script) {
  Coverage c;
  c.loads = script.CountLoads();
  for (const auto& cmd : script.commands) {
    const auto* eval = std::get_if<EvalCommand>(&cmd);
    if (eval == nullptr) continue;
    ++c.evals;
    if (eval->ExpectsFailure()) continue;
    ++c.must_parse;
    auto e = ParseExpr(eval->query);
    if (!e) {
      c.failures.push_back(script.file + ":" + std::to_string(eval->line) + ": " + eval->query +
                           "\n    " + e.error().ToString());
    }
  }
  return c;
}

TEST(ConformanceTest, CoreFilesParse) {
  int total = 0, failed = 0;
  for (std::string_view name : kCoreFiles) {
    const auto path = kDir / (std::string(name) + ".test");
    auto script = ReadTestScript(path.string());
    ASSERT_TRUE(script) << script.error().ToString();
    Coverage c = Measure(*script);
    std::cout << "[conformance] " << name << ": " << c.evals << " evals, " << c.loads << " loads, "
              << c.must_parse - static_cast<int>(c.failures.size()) << "/" << c.must_parse
              << " parse\n";
    for (const auto& f : c.failures) std::cout << "  FAIL " << f << "\n";
    EXPECT_GT(c.evals, 0) << name;
    total += c.must_parse;
    failed += static_cast<int>(c.failures.size());
  }
  std::cout << "[conformance] core: " << failed << " of " << total << " evals fail to parse\n";
  EXPECT_EQ(failed, 0);
}

// Beyond core (native histograms, experimental syntax): every file must be
// readable as a script; parse coverage is reported, not required.
TEST(ConformanceTest, AllFilesAreReadable) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".test") continue;
    ++files;
    auto script = ReadTestScript(entry.path().string());
    ASSERT_TRUE(script) << script.error().ToString();
    Coverage c = Measure(*script);
    std::cout << "[conformance] " << entry.path().stem().string() << ": " << c.evals << " evals, "
              << c.must_parse - static_cast<int>(c.failures.size()) << "/" << c.must_parse
              << " parse\n";
  }
  EXPECT_GE(files, 10);
}

// Checks the series-notation expansion against the scripts themselves: an
// expected series never has more points than its query has steps.
TEST(ConformanceTest, ExpectedSeriesFitTheirQueries) {
  int series = 0;
  for (std::string_view name : kCoreFiles) {
    auto script = ReadTestScript((kDir / (std::string(name) + ".test")).string());
    ASSERT_TRUE(script) << script.error().ToString();
    for (const auto& cmd : script->commands) {
      const auto* e = std::get_if<EvalCommand>(&cmd);
      if (e == nullptr || e->expected_range_vector) continue;
      const size_t steps = e->is_range ? (e->end_ms - e->start_ms) / e->step_ms + 1 : 1;
      for (const auto& s : e->expected_series) {
        ++series;
        EXPECT_LE(s.values.size(), steps) << name << ":" << e->line << " " << s.labels.ToString();
        if (!e->is_range) {
          EXPECT_EQ(s.values.size(), 1u) << name << ":" << e->line;
        }
      }
    }
  }
  EXPECT_GT(series, 1000);
}

TEST(ConformanceTest, KnownCounts) {
  auto lit = ReadTestScript((kDir / "literals.test").string());
  ASSERT_TRUE(lit);
  EXPECT_EQ(lit->CountLoads(), 0);
  int strings = 0;
  for (const auto& cmd : lit->commands) {
    if (const auto* e = std::get_if<EvalCommand>(&cmd); e && e->expected_string) ++strings;
  }
  EXPECT_EQ(strings, 5);
  auto rq = ReadTestScript((kDir / "range_queries.test").string());
  ASSERT_TRUE(rq);
  int range_vectors = 0;
  for (const auto& cmd : rq->commands) {
    if (const auto* e = std::get_if<EvalCommand>(&cmd); e && e->expected_range_vector) {
      ++range_vectors;
    }
  }
  EXPECT_EQ(range_vectors, 5);
}

}  // namespace
}  // namespace fw::metrics::promql
