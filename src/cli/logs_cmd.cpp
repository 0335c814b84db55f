// `firewatch logs ...`: Logs Insights queries over NDJSON and plain-text
// files or the log store, and ingestion into the store (import, stdin).

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/duration.h"
#include "logs/ingest/line_ingest.h"
#include "logs/insights/executor.h"
#include "logs/insights/output.h"
#include "logs/insights/parser.h"
#include "logs/ndjson_reader.h"
#include "logs/store/log_store.h"

namespace fw::cli {
namespace {

namespace insights = fw::logs::insights;

struct LogsQueryFlags {
  std::string query, start, end, since, format = "table", timeout = "60s", data;
  std::vector<std::string> files, groups;
  int64_t max_rows = 1'000'000, max_groups = 100'000;
  bool stats = false;
};

// The store lives in DATA/logs, as under `firewatch serve --data DATA`.
std::string StoreDir(const std::string& data) { return data + "/logs"; }

Error BadFlag(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

Result<logs::TimeRange> TimeRangeOf(const LogsQueryFlags& f, Clock& clock) {
  logs::TimeRange range;
  if (!f.since.empty()) {
    if (!f.start.empty() || !f.end.empty()) {
      return Fail(BadFlag("--since cannot be combined with --start or --end"));
    }
    auto d = ParseDuration(f.since);
    if (!d || d->count() <= 0)
      return Fail(BadFlag("--since: expected a duration such as 15m or 2h"));
    range.start = clock.Now() - d->count();
    return range;
  }
  for (auto [text, flag, out] :
       {std::tuple{&f.start, "--start", &range.start}, std::tuple{&f.end, "--end", &range.end}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t) return Fail(t.error().WithContext(flag));
    *out = *t;
  }
  if (range.start && range.end && *range.end <= *range.start) {
    return Fail(BadFlag("--end must be after --start"));
  }
  return range;
}

void RunQuery(const LogsQueryFlags& f, ExitStatus& status) {
  auto format = insights::ParseOutputFormat(f.format);
  if (!format) return ReportError(format.error(), status);
  auto query = insights::ParseQuery(f.query);
  if (!query) return ReportError(query.error(), status);
  if (f.files.empty() == f.data.empty()) {
    return ReportError(BadFlag("give either --file (NDJSON or plain-text logs, repeatable) or "
                               "--data (the data directory of a log store)"),
                       status);
  }
  if (!f.groups.empty() && f.data.empty()) {
    return ReportError(BadFlag("--group selects log groups of the store; use it with --data"),
                       status);
  }
  RealClock clock;
  auto range = TimeRangeOf(f, clock);
  if (!range) return ReportError(range.error(), status);
  auto timeout = ParseDuration(f.timeout);
  if (!timeout || timeout->count() <= 0) {
    return ReportError(BadFlag("--timeout: expected a duration such as 30s or 2m"), status);
  }
  insights::QueryLimits limits;
  limits.timeout_ms = timeout->count();
  limits.max_rows = f.max_rows;
  limits.max_groups = f.max_groups;
  std::unique_ptr<logs::EventSource> source;
  std::unique_ptr<logs::store::LogStore> store;
  if (f.data.empty()) {
    source = std::make_unique<logs::FileEventSource>(f.files, clock);
  } else {
    logs::store::StoreOptions o;
    o.read_only = true;  // a server may be writing to it
    auto opened = logs::store::LogStore::Open(StoreDir(f.data), clock, o);
    if (!opened) return ReportError(opened.error(), status);
    store = std::move(*opened);
    source = std::make_unique<logs::store::StoreEventSource>(*store, f.groups);
  }
  auto result = insights::Execute(*query, *source, *range, clock, limits);
  if (!result) return ReportError(result.error(), status);
  std::cout << insights::Render(*result, *format);
  if (auto* files = dynamic_cast<logs::FileEventSource*>(source.get());
      files && files->truncated_lines() > 0) {
    std::cerr << "firewatch: " << files->truncated_lines()
              << " over-long lines were cut to 1 MiB and kept\n";
  }
  if (f.stats) {
    std::cerr << "records scanned " << result->records_scanned << ", matched "
              << result->records_matched;
    if (auto* st = dynamic_cast<logs::store::StoreEventSource*>(source.get())) {
      std::cerr << "; blocks read " << st->stats().blocks_read << " of " << st->stats().blocks_total
                << ", " << st->stats().bytes_read << " compressed bytes";
    }
    std::cerr << "\n";
  }
}

struct LogsIngestFlags {
  std::vector<std::string> files;
  std::string data = "data", group, stream, retention;
  uint64_t max_bytes = 0;
};

Result<std::unique_ptr<logs::store::LogStore>> OpenForWrite(const LogsIngestFlags& f,
                                                            Clock& clock) {
  logs::store::StoreOptions o;
  o.max_bytes = f.max_bytes;
  if (!f.retention.empty()) {
    auto d = ParseDuration(f.retention);
    if (!d || d->count() <= 0) {
      return Fail(BadFlag("--retention: expected a duration such as 7d or 12h"));
    }
    o.retention_ms = d->count();
  }
  return logs::store::LogStore::Open(StoreDir(f.data), clock, o);
}

// Feeds a file (or stdin, for "-") to an ingester. Stdin may be a live
// stream (tail -f): what each read returned is made durable before the next
// read waits.
Result<logs::ingest::IngestCounts> IngestStream(logs::store::LogStore& store, Clock& clock,
                                                const std::string& path,
                                                logs::ingest::LineIngestOptions o) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(ErrorCode::kNotFound, path + ": cannot open: " + std::strerror(errno));
  logs::ingest::LineIngester in(store, clock, std::move(o));
  std::string buf(1 << 20, '\0');
  Result<void> r;
  while (r) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r = Fail(ErrorCode::kIo, path + ": read error: " + std::strerror(errno));
    if (n <= 0) break;
    r = in.Feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (r && is_stdin) r = in.Flush();
  }
  if (!is_stdin) ::close(fd);
  if (r) r = in.Finish();
  if (!r) return Fail(r.error());
  return in.counts();
}

void PrintCounts(const std::string& what, const logs::ingest::IngestCounts& c) {
  std::cout << what << ": " << c.accepted << " events";
  if (c.malformed) std::cout << ", " << c.malformed << " malformed kept as text";
  if (c.oversized) std::cout << ", " << c.oversized << " over-long lines cut to 1 MiB and kept";
  std::cout << "\n";
}

// Each file is its own stream by default, named as the file reader names
// it, so a query over the store answers as it does over the files.
void RunIngest(const LogsIngestFlags& f, bool from_stdin, ExitStatus& status) {
  RealClock clock;
  auto store = OpenForWrite(f, clock);
  if (!store) return ReportError(store.error(), status);
  const std::vector<std::string> inputs = from_stdin ? std::vector<std::string>{"-"} : f.files;
  for (const std::string& path : inputs) {
    logs::ingest::LineIngestOptions o;
    o.group = !f.group.empty() ? f.group : from_stdin ? "stdin" : path;
    o.stream = !f.stream.empty() ? f.stream
               : from_stdin      ? "stdin"
                                 : std::filesystem::path(path).filename().string();
    auto counts = IngestStream(**store, clock, path, o);
    if (!counts) return ReportError(counts.error(), status);
    PrintCounts(from_stdin ? "stdin" : path, *counts);
  }
  if (auto r = (*store)->Seal(); !r) return ReportError(r.error(), status);
  if (auto r = (*store)->ApplyRetention(); !r) return ReportError(r.error(), status);
}

void AddIngestFlags(CLI::App* cmd, LogsIngestFlags& f) {
  cmd->add_option("--data", f.data, "Data directory; the store is DATA/logs")
      ->capture_default_str();
  cmd->add_option("--group", f.group, "@log of the events (default: the file path, or stdin)");
  cmd->add_option("--stream", f.stream,
                  "@logStream of the events (default: the file name, or stdin)");
  cmd->add_option("--retention", f.retention, "Delete segments ingested longer ago (e.g. 7d)");
  cmd->add_option("--max-bytes", f.max_bytes, "Delete the oldest segments above this size");
}

}  // namespace

void RegisterLogs(CLI::App& app, ExitStatus& status) {
  auto* logs_cmd = app.add_subcommand(
      "logs", "Logs: CloudWatch Logs Insights queries over files or the log store");
  logs_cmd->require_subcommand(1);

  auto* query = logs_cmd->add_subcommand(
      "query",
      "Run a CloudWatch Logs Insights query over NDJSON or plain-text log files\n"
      "(--file) or the log store (--data), e.g.\n"
      "  firewatch logs query --file out/db/logs.ndjson \\\n"
      "    'filter level = \"ERROR\" | stats count(*) as errors by route | sort errors desc'\n"
      "See docs/logs.md for the language.");
  static LogsQueryFlags q;
  query->add_option("query", q.query, "The query: commands separated by |")->required();
  query->add_option("--file,-f", q.files, "A log file to read (repeatable): NDJSON or plain text")
      ->check(CLI::ExistingFile);
  query->add_option("--data", q.data, "Query the log store of this data directory (DATA/logs)");
  query->add_option("--group", q.groups, "With --data: only these log groups (@log; repeatable)");
  query->add_flag("--stats", q.stats, "Print records and blocks scanned to stderr");
  query->add_option("--start", q.start, "Only events at or after this time (RFC 3339 or Unix s)");
  query->add_option("--end", q.end, "Only events before this time (RFC 3339 or Unix s)");
  query->add_option("--since", q.since, "Only events of the last duration (15m, 2h, 1d)");
  query->add_option("--format", q.format, "Output: table, json or csv")->capture_default_str();
  query->add_option("--timeout", q.timeout, "Query time limit")->capture_default_str();
  query->add_option("--max-rows", q.max_rows, "Memory limit: rows held at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  query->add_option("--max-groups", q.max_groups, "Memory limit: stats groups")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  query->callback([&status] { RunQuery(q, status); });

  static LogsIngestFlags imp, in;
  auto* import = logs_cmd->add_subcommand(
      "import",
      "Store NDJSON or plain-text log files (e.g. a sim run's logs.ndjson), one event "
      "per line");
  import->add_option("file", imp.files, "Log files")->required()->check(CLI::ExistingFile);
  AddIngestFlags(import, imp);
  import->callback([&status] { RunIngest(imp, false, status);
});
auto* ingest =
    logs_cmd->add_subcommand("ingest",
                             "Store log lines read from stdin (NDJSON or plain text), e.g.\n"
                             "  journalctl -f -o json | firewatch logs ingest --group journal");
AddIngestFlags(ingest, in);
ingest->callback([&status] { RunIngest(in, true, status); });
}  // namespace fw::cli

}  // namespace fw::cli
