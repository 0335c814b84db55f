// `firewatch promql ...`: run promqltest scripts, and query recorded data.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "common/duration.h"
#include "metrics/ingest/file_import.h"
#include "metrics/promql/db_storage.h"
#include "metrics/promql/engine.h"
#include "metrics/promql/head_storage.h"
#include "metrics/promql/parser.h"
#include "metrics/promql/test_runner.h"

namespace fw::cli {
namespace {

namespace promql = fw::metrics::promql;

struct QueryFlags {
  std::string expr, data, time, start, end, step = "1m";
};

Result<Timestamp> ParseTime(const std::string& s, const char* flag) {
  auto t = ParseTimestamp(s);
  if (!t) return Fail(t.error().WithContext(flag));
  return t;
}

void RunTests(const std::vector<std::string>& files, double min_rate, ExitStatus& status) {
  int passed = 0, failed = 0, skipped = 0;
  for (const std::string& f : files) {
    auto script = promql::ReadTestScript(f);
    if (!script) return ReportError(script.error(), status);
    const promql::TestRunSummary r = promql::RunTestScript(*script);
    for (const promql::EvalOutcome& o : r.failures) {
      std::cout << o.file << ":" << o.line << ": " << o.query << ": " << o.problem << "\n";
    }
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  const double rate = passed + failed > 0 ? static_cast<double>(passed) / (passed + failed) : 1;
  status.code = rate >= min_rate ? 0 : 1;
}

void PrintLabels(const LabelSet& l) {
  std::string name(l.Get("__name__"));
  LabelSet rest = l;
  rest.Set("__name__", "");
  std::cout << name << (rest.empty() && !name.empty() ? "" : rest.ToString());
}

// A firewatch data directory (what `serve` and `metrics import` write).
bool IsStoreDir(const std::string& path) {
  return std::filesystem::is_directory(path + "/wal") ||
         std::filesystem::is_directory(path + "/blocks");
}

// Loads a sim run directory (its metrics.om) or an exposition file; returns
// the newest sample's time.
Result<Timestamp> LoadFile(const std::string& path, promql::HeadStorage& storage) {
  const std::string file = std::filesystem::is_directory(path) ? path + "/metrics.om" : path;
  auto data = metrics::ingest::ImportFile(file);
  if (!data) return Fail(data.error());
  Timestamp last = 0;
  for (auto& s : data->series) {
    if (!s.samples.empty()) last = std::max(last, s.samples.back().t);
    if (auto ok = storage.Add(std::move(s.labels), std::move(s.samples)); !ok) {
      return Fail(ok.error().WithContext(file));
    }
  }
  return last;
}

void Query(const QueryFlags& f, ExitStatus& status) {
  auto expr = promql::ParseExpr(f.expr);
  if (!expr) return ReportError(expr.error().WithContext("query"), status);
  promql::HeadStorage storage;  // a recorded file, loaded into a TSDB head
  std::unique_ptr<metrics::tsdb::Db> db;
  std::optional<promql::DbView> view;
  const promql::Queryable* q = &storage;
  Timestamp last = 0;
  if (IsStoreDir(f.data)) {
    metrics::tsdb::DbOptions o;
    o.read_only = true;  // a server may be writing to it
    auto opened = metrics::tsdb::Db::Open(f.data, o);
    if (!opened) return ReportError(opened.error().WithContext(f.data), status);
    db = std::move(*opened);
    view.emplace(*db);
    q = &*view;
    last = std::max<Timestamp>(0, db->MaxTime());
  } else if (auto loaded = LoadFile(f.data, storage); !loaded) {
    return ReportError(loaded.error(), status);
  } else {
    last = *loaded;
  }
  Result<promql::QueryResult> r = Fail(ErrorCode::kInternal, "no query ran");
  if (!f.start.empty() || !f.end.empty()) {
    auto start = ParseTime(f.start, "--start");
    auto end = ParseTime(f.end, "--end");
    auto step = promql::ParseDurationPromql(f.step);  // 1m, or seconds as the API takes them
    if (!start) return ReportError(start.error(), status);
    if (!end) return ReportError(end.error(), status);
    if (!step || *step <= 0) {
      return ReportError(
          Error(ErrorCode::kInvalidArgument, "--step: expected a duration > 0 (1m, 15s or 60)"),
          status);
    }
    if (*end < *start || (*end - *start) / *step > 11'000) {
      return ReportError(Error(ErrorCode::kInvalidArgument,
                               "--start must not be after --end, and at most 11000 steps"),
                         status);
    }
    r = promql::RangeQuery(*q, **expr, *start, *end, *step);
  } else {
    Result<Timestamp> at = f.time.empty() ? Result<Timestamp>(last) : ParseTime(f.time, "--time");
    if (!at) return ReportError(at.error(), status);
    r = promql::InstantQuery(*q, **expr, *at);
  }
  if (!r) return ReportError(r.error(), status);
  for (const std::string& w : r->warnings) std::cerr << "warning: " << w << "\n";
  for (const std::string& i : r->infos) std::cerr << "info: " << i << "\n";
  const promql::Value& v = r->value;
  switch (v.type) {
    case promql::ValueType::kScalar:
      std::cout << promql::FormatFloat(v.scalar) << "\n";
      break;
    case promql::ValueType::kString:
      std::cout << v.str << "\n";
      break;
    case promql::ValueType::kVector:
      for (const promql::VectorElement& e : v.vector) {
        PrintLabels(e.labels);
        std::cout << " " << promql::FormatFloat(e.v) << "\n";
      }
      break;
    default:
      for (const promql::MatrixSeries& m : v.matrix) {
        PrintLabels(m.labels);
        std::cout << "\n";
        for (const metrics::Sample& s : m.samples) {
          std::cout << "  " << FormatRfc3339Millis(s.t) << " " << promql::FormatFloat(s.v) << "\n";
        }
      }
  }
}

}  // namespace

void RegisterPromql(CLI::App& app, ExitStatus& status) {
  auto* promql_cmd = app.add_subcommand("promql", "PromQL: query recorded data, run test scripts");
  promql_cmd->require_subcommand(1);

  auto* test = promql_cmd->add_subcommand(
      "test", "Run Prometheus promqltest scripts; one line per failed eval, then a total");
  static std::vector<std::string> files;
  static double min_rate = 1.0;
  test->add_option("files", files, "Script files (.test)")->required()->check(CLI::ExistingFile);
  test->add_option("--min-pass-rate", min_rate,
                   "Exit 0 when at least this share of evals passes (default: all)")
      ->check(CLI::Range(0.0, 1.0));
  test->callback([&status] { RunTests(files, min_rate, status); });

  auto* query = promql_cmd->add_subcommand(
      "query", "Evaluate a PromQL expression over recorded metrics (e.g. a sim run's output)");
  static QueryFlags q;
  query->add_option("expr", q.expr, "The PromQL expression")->required();
  query
      ->add_option("--data", q.data,
                   "A firewatch data directory (blocks + WAL), a sim run directory (its "
                   "metrics.om) or an exposition file")
      ->required();
  query->add_option("--time", q.time,
                    "Instant query time: RFC 3339 or Unix seconds "
                    "(default: the newest sample in the data)");
  query->add_option("--start", q.start, "Range query start");
  query->add_option("--end", q.end, "Range query end");
  query->add_option("--step", q.step, "Range query step")->capture_default_str();
  query->callback([&status] { Query(q, status); });
}

}  // namespace fw::cli
